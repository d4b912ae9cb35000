SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "u" (
    "y" integer
);

-- hazards: none
CREATE OR REPLACE FUNCTION public.f()
 RETURNS SETOF integer
 LANGUAGE sql
AS $function$ SELECT y FROM u $function$;

COMMIT;
