SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: inserts that rely on the default now store NULL
ALTER TABLE "jobs" ALTER COLUMN "max_attempts" DROP DEFAULT;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "note" SET DEFAULT ''::text;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'pending'::text;

COMMIT;
