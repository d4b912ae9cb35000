CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
