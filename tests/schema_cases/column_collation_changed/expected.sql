SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard access-exclusive-lock: identities is locked while the type changes
ALTER TABLE "identities" ALTER COLUMN "label" TYPE text COLLATE "C" USING "label"::text;

COMMIT;
