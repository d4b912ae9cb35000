SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "job_log" (
    "job_id" integer,
    "note" text
);

-- hazards: none
CREATE OR REPLACE PROCEDURE public.log_done(IN note text)
 LANGUAGE sql
AS $procedure$
    INSERT INTO job_log (job_id, note) SELECT id, note FROM jobs WHERE state = 'done'
$procedure$;

-- hazards: none
CREATE VIEW "open_jobs" AS
SELECT id
   FROM jobs
  WHERE (state <> 'done'::text);

-- hazards: none
CREATE OR REPLACE FUNCTION public.open_job_count()
 RETURNS bigint
 LANGUAGE sql
AS $function$ SELECT count(*) FROM open_jobs $function$;

-- hazards: none
CREATE OR REPLACE FUNCTION public.any_open_job()
 RETURNS boolean
 LANGUAGE sql
AS $function$ SELECT open_job_count() > 0 $function$;

COMMIT;
