CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE VIEW file_paths AS SELECT id, path FROM files;
CREATE MATERIALIZED VIEW file_counts AS SELECT count(*) AS n FROM files;
GRANT SELECT ON file_counts TO momentry_reader;
