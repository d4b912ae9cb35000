SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "file_paths";

-- hazard backward-incompatible: columns of file_paths disappear: id
CREATE VIEW "file_paths" AS
SELECT path
   FROM files;

-- hazards: none
GRANT SELECT ON TABLE "file_paths" TO "momentry_reader";

COMMIT;
