CREATE TABLE files (
    id bigint PRIMARY KEY,
    sha256 text NOT NULL
);
CREATE UNIQUE INDEX files_sha256_idx ON files (sha256);
CREATE TABLE file_exports (
    id bigint PRIMARY KEY,
    file_sha256 text NOT NULL REFERENCES files (sha256),
    exported_at timestamptz NOT NULL DEFAULT now()
);
