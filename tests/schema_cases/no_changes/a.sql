CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL UNIQUE,
    size_bytes bigint CHECK (size_bytes >= 0)
);
CREATE INDEX files_size_idx ON files (size_bytes) WHERE size_bytes > 0;
CREATE VIEW big_files AS SELECT id, path FROM files WHERE size_bytes > 1000000;
