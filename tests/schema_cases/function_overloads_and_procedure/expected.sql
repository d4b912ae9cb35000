SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION public.job_count(wanted text, include_done boolean DEFAULT false)
 RETURNS bigint
 LANGUAGE sql
 STABLE
AS $function$ SELECT count(*) FROM jobs WHERE state = wanted OR (include_done AND state = 'done') $function$;

-- hazards: none
CREATE OR REPLACE PROCEDURE public.requeue_jobs(IN from_state text)
 LANGUAGE sql
AS $procedure$ UPDATE jobs SET state = 'queued' WHERE state = from_state $procedure$;

COMMIT;
