SET search_path TO "public";

-- ===== enum values: their own transaction, committed before anything uses them
BEGIN;

-- hazards: none
ALTER TYPE "job_state" ADD VALUE 'pending' BEFORE 'queued';

COMMIT;

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'pending'::job_state;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds jobs_pending_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY jobs_pending_idx ON public.jobs USING btree (id) WHERE (state = 'pending'::job_state);
