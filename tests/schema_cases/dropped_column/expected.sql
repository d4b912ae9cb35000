SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: the values of files.legacy_checksum are deleted
-- hazard backward-incompatible: files.legacy_checksum disappears
ALTER TABLE "files" DROP COLUMN "legacy_checksum";

COMMIT;
