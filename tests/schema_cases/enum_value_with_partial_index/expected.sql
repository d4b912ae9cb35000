SET search_path TO "public";

-- ===== enum values: their own transaction, committed before anything uses them
BEGIN;

-- hazards: none
ALTER TYPE "job_state" ADD VALUE 'paused' BEFORE 'done';

-- hazards: none
ALTER TYPE "job_state" ADD VALUE 'failed' AFTER 'done';

COMMIT;
