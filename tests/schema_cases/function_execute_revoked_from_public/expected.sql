SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION public.checksum_of(path text)
 RETURNS text
 LANGUAGE sql
AS $function$ SELECT md5(path) $function$;

-- hazards: none
REVOKE EXECUTE ON FUNCTION "checksum_of"(path text) FROM PUBLIC;

-- hazards: none
GRANT EXECUTE ON FUNCTION "checksum_of"(path text) TO "momentry_reader";

-- hazard backward-incompatible: PUBLIC (every role) loses EXECUTE on function public.next_size(n bigint)
REVOKE EXECUTE ON FUNCTION "next_size"(n bigint) FROM PUBLIC;

-- hazards: none
GRANT EXECUTE ON FUNCTION "next_size"(n bigint) TO "momentry_app";

-- hazard backward-incompatible: PUBLIC (every role) loses EXECUTE on function public.purge()
REVOKE EXECUTE ON PROCEDURE "purge"() FROM PUBLIC;

COMMIT;
