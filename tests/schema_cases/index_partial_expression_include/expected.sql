SET search_path TO "public";

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds identities_created_desc_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY identities_created_desc_idx ON public.identities USING btree (created_at DESC NULLS LAST);

-- hazard index-build: builds identities_label_lower_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
-- hazard data-dependent: fails if existing rows hold duplicates for identities_label_lower_idx
CREATE UNIQUE INDEX CONCURRENTLY identities_label_lower_idx ON public.identities USING btree (lower(label)) INCLUDE (created_at) WHERE (merged_into IS NULL);
