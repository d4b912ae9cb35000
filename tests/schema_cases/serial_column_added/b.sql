CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text NOT NULL,
    revision bigserial
);
CREATE TABLE tkg_snapshots (
    id serial PRIMARY KEY,
    taken_at timestamptz NOT NULL DEFAULT now()
);
