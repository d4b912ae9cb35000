SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "t1" DROP CONSTRAINT "t1_t2_id_fkey";

-- hazards: none
ALTER TABLE "t2" DROP CONSTRAINT "t2_t1_id_fkey";

-- hazard deletes-data: all rows of t1 are deleted
-- hazard backward-incompatible: table t1 disappears
DROP TABLE "t1";

-- hazard deletes-data: all rows of t2 are deleted
-- hazard backward-incompatible: table t2 disappears
DROP TABLE "t2";

COMMIT;
