CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id),
    label text NOT NULL
);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL REFERENCES tkg_nodes (id),
    dst bigint NOT NULL REFERENCES tkg_nodes (id)
);
CREATE INDEX tkg_edges_dst_idx ON tkg_edges (dst);
