CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE VIEW file_paths AS SELECT path FROM files;
GRANT SELECT ON file_paths TO momentry_reader;
