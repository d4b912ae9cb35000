CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    size_bytes bigint
);
GRANT SELECT (id, path) ON files TO momentry_reader;
GRANT SELECT ON files TO momentry_app;
GRANT SELECT (id), UPDATE (size_bytes) ON files TO momentry_app;
