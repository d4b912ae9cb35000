-- @renamed from=nodes
CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    -- @renamed from=name
    label text NOT NULL
);
CREATE INDEX tkg_nodes_name_idx ON tkg_nodes (label);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL REFERENCES tkg_nodes (id)
);
CREATE VIEW node_names AS SELECT id, label AS name FROM tkg_nodes;
