CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL REFERENCES tkg_nodes (id) ON DELETE CASCADE,
    dst bigint NOT NULL,
    relation text NOT NULL,
    CONSTRAINT tkg_edges_dst_fkey FOREIGN KEY (dst) REFERENCES tkg_nodes (id) ON DELETE CASCADE
);
