SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "token" SET DEFAULT (gen_random_uuid())::text;

-- hazard backward-incompatible: next_job_token() disappears
DROP FUNCTION "next_job_token"();

COMMIT;
