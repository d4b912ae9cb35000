SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: all rows of t are deleted
-- hazard backward-incompatible: table t disappears
DROP TABLE "t";

COMMIT;
