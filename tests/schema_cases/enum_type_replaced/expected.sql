SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TYPE "job_status" AS ENUM ('queued', 'running', 'done', 'failed');

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" DROP DEFAULT;

-- hazard access-exclusive-lock: jobs is locked while the type changes
-- hazard table-rewrite: every row of jobs is rewritten (state: job_state → job_status)
-- hazard data-dependent: existing values of state must convert to job_status
ALTER TABLE "jobs" ALTER COLUMN "state" TYPE job_status USING "state"::text::job_status;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'queued'::job_status;

-- hazard backward-incompatible: type job_state disappears
DROP TYPE "job_state";

COMMIT;
