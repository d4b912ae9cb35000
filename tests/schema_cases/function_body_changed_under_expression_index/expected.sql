SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION public.normalize_label(label text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT lower(btrim(label)) $function$;

-- hazards: none
DROP INDEX "identities_label_norm_idx";

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds identities_label_norm_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY identities_label_norm_idx ON public.identities USING btree (normalize_label(label));
