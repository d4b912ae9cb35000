CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    sha256 text NOT NULL,
    CONSTRAINT files_sha256_key UNIQUE (sha256)
);
