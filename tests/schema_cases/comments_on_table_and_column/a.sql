CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    duration_s double precision
);
COMMENT ON TABLE files IS 'Video files known to the release';
COMMENT ON COLUMN files.path IS 'Path relative to the content repository';
COMMENT ON COLUMN files.duration_s IS 'Duration';
