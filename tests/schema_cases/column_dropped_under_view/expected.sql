SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "file_list";

-- hazard deletes-data: the values of files.legacy_codec are deleted
-- hazard backward-incompatible: files.legacy_codec disappears
ALTER TABLE "files" DROP COLUMN "legacy_codec";

-- hazard backward-incompatible: columns of file_list disappear: legacy_codec
CREATE VIEW "file_list" AS
SELECT id,
    path
   FROM files;

COMMIT;
