CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL,
    dst bigint NOT NULL,
    relation text NOT NULL
);
