SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: the values of timestamped.source_file in timestamped's own rows are deleted
-- hazard backward-incompatible: timestamped.source_file disappears
ALTER TABLE ONLY "timestamped" DROP COLUMN "source_file";

COMMIT;
