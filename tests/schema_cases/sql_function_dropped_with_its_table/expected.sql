SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: all rows of a_gone are deleted
-- hazard backward-incompatible: table a_gone disappears
DROP TABLE "a_gone";

-- hazard backward-incompatible: z_reader() disappears
DROP FUNCTION "z_reader"();

COMMIT;
