CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE identities (
    id bigint NOT NULL,
    display_name text NOT NULL
);
CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text
);
ALTER TABLE tkg_nodes REPLICA IDENTITY FULL;
