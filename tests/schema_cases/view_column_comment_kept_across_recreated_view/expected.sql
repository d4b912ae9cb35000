SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "file_paths";

-- hazards: none
CREATE VIEW "file_paths" AS
SELECT path,
    id,
    size_bytes
   FROM files;

-- hazards: none
COMMENT ON COLUMN "file_paths"."path" IS 'Path relative to the media root';

COMMIT;
