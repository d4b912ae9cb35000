CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE VIEW file_list AS SELECT id, path FROM files;
