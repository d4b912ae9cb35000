CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
ALTER TABLE files REPLICA IDENTITY FULL;
CREATE TABLE identities (
    id bigint NOT NULL,
    display_name text NOT NULL
);
CREATE UNIQUE INDEX identities_id_idx ON identities (id);
ALTER TABLE identities REPLICA IDENTITY USING INDEX identities_id_idx;
CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text
);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    src bigint NOT NULL
);
ALTER TABLE tkg_edges REPLICA IDENTITY USING INDEX tkg_edges_pkey;
