SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION public.identity_count()
 RETURNS bigint
 LANGUAGE sql
 STABLE
AS $function$ SELECT count(*) FROM identities $function$;

-- hazards: none
COMMENT ON FUNCTION "identity_count"() IS 'number of identities';

-- hazards: none
COMMENT ON TABLE "identities" IS 'Identités reconnues — une ligne par personne';

-- hazards: none
COMMENT ON CONSTRAINT "identities_pkey" ON "identities" IS 'stable id';

-- hazards: none
COMMENT ON INDEX "identities_label_idx" IS 'lookup by label → id';

-- hazards: none
COMMENT ON VIEW "identity_labels" IS 'labels only';

COMMIT;
