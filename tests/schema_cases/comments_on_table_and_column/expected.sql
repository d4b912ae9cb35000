SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
COMMENT ON TABLE "files" IS 'Video files of a release, one row per file';

-- hazards: none
COMMENT ON COLUMN "files"."duration_s" IS 'Duration in seconds, from ffprobe';

-- hazards: none
COMMENT ON COLUMN "files"."id" IS 'Stable file id (from metadata.json)';

-- hazards: none
COMMENT ON COLUMN "files"."path" IS NULL;

COMMIT;
