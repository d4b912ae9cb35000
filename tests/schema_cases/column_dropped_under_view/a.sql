CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    legacy_codec text
);
CREATE VIEW file_list AS SELECT id, path, legacy_codec FROM files;
