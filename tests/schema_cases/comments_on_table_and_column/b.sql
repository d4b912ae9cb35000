CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    duration_s double precision
);
COMMENT ON TABLE files IS 'Video files of a release, one row per file';
COMMENT ON COLUMN files.id IS 'Stable file id (from metadata.json)';
COMMENT ON COLUMN files.duration_s IS 'Duration in seconds, from ffprobe';
