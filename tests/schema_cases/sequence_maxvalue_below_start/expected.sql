SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: the current value of s is lost: it restarts at 5, since its old start 100 is outside MINVALUE 1 .. MAXVALUE 50
ALTER SEQUENCE "s" MAXVALUE 50 START WITH 5 RESTART WITH 5;

COMMIT;
