SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION public.job_is_stuck(attempts integer)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT attempts > 5 $function$;

-- hazards: none
CREATE OR REPLACE FUNCTION public.touch_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END;
$function$;

COMMIT;
