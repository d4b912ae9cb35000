CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE VIEW file_paths AS SELECT id, path FROM files;
GRANT SELECT ON file_paths TO momentry_reader;
GRANT SELECT ON file_paths TO momentry_app;
