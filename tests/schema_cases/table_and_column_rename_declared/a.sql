CREATE TABLE nodes (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE INDEX nodes_name_idx ON nodes (name);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL REFERENCES nodes (id)
);
CREATE VIEW node_names AS SELECT id, name FROM nodes;
