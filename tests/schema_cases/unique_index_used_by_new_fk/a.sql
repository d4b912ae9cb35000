CREATE TABLE files (
    id bigint PRIMARY KEY,
    sha256 text NOT NULL
);
CREATE TABLE file_exports (
    id bigint PRIMARY KEY,
    file_sha256 text NOT NULL,
    exported_at timestamptz NOT NULL DEFAULT now()
);
