SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" DROP DEFAULT;

-- hazards: none
DROP VIEW "open_jobs";

-- hazards: none
DROP INDEX "jobs_open_idx";

-- hazards: none
DROP FUNCTION "is_final"(s job_state);

-- hazards: none
ALTER TYPE "job_state" RENAME TO "job_state__momrel_old";

-- hazards: none
CREATE TYPE "job_state" AS ENUM ('queued', 'running', 'done');

-- hazard access-exclusive-lock: jobs is locked while the type changes
-- hazard table-rewrite: every row of jobs is rewritten (history: to the recreated job_state[])
-- hazard data-dependent: fails if a row of jobs holds an enum value that is removed
-- hazard table-rewrite: every row of jobs is rewritten (state: to the recreated job_state)
ALTER TABLE "jobs" ALTER COLUMN "history" TYPE job_state[] USING "history"::text[]::job_state[],
    ALTER COLUMN "state" TYPE job_state USING "state"::text::job_state;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'queued'::job_state;

-- hazards: none
DROP TYPE "job_state__momrel_old";

-- hazards: none
CREATE OR REPLACE FUNCTION public.is_final(s job_state)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT s = 'done' $function$;

-- hazards: none
CREATE VIEW "open_jobs" AS
SELECT id,
    state
   FROM jobs
  WHERE (state = ANY (ARRAY['queued'::job_state, 'running'::job_state]));

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds jobs_open_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY jobs_open_idx ON public.jobs USING btree (id) WHERE (state <> 'done'::job_state);
