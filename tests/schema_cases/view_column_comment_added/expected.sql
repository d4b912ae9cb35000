SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
COMMENT ON COLUMN "file_paths"."path" IS 'Path relative to the media root';

COMMIT;
