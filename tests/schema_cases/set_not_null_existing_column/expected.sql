SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard data-dependent: fails if any row holds NULL
-- hazard access-exclusive-lock: jobs is scanned under an exclusive lock
ALTER TABLE "jobs" ALTER COLUMN "file_id" SET NOT NULL;

COMMIT;
