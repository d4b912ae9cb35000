SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: all rows of events are deleted
-- hazard backward-incompatible: table events disappears
DROP TABLE "events";

COMMIT;
