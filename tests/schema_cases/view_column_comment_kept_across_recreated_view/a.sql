CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    size_bytes bigint
);

CREATE VIEW file_paths AS SELECT id, path FROM files;

COMMENT ON COLUMN file_paths.path IS 'Path relative to the media root';
