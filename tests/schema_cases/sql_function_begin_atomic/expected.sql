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
BEGIN ATOMIC
 SELECT u.y
    FROM u;
END;

COMMIT;
