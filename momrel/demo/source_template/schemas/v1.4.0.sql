-- Momentry database schema (representative). Schema-neutral: no schema prefix anywhere;
-- momrel renders it into `dev` or `public` by running it with that schema on search_path.

CREATE TABLE files (
    file_uuid      uuid PRIMARY KEY,
    filename       text NOT NULL,
    duration       double precision,
    fps            real,
    width          integer,
    height         integer,
    size_bytes     bigint,
    sha256         text,
    status         text NOT NULL DEFAULT 'registered'
                   CHECK (status IN ('registered', 'processing', 'registered_processed', 'failed')),
    registered_at  timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN files.status IS 'registered_processed = "registered & processed", the final status';

-- People shared across videos: one identity can appear in many files.
CREATE TABLE identities (
    id             bigserial PRIMARY KEY,
    identity_uuid  uuid NOT NULL UNIQUE,
    -- @renamed from=name
    display_name   text,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE face_detections (
    id             bigserial PRIMARY KEY,
    file_uuid      uuid NOT NULL REFERENCES files (file_uuid) ON DELETE CASCADE,
    frame          integer NOT NULL,
    ts_ms          bigint NOT NULL,
    bbox           real[] NOT NULL,
    confidence     real NOT NULL,
    identity_id    bigint REFERENCES identities (id),
    landmarks      jsonb
);
CREATE INDEX face_detections_file_uuid_idx ON face_detections (file_uuid, id);
CREATE INDEX face_detections_identity_id_idx ON face_detections (identity_id);

-- Temporal knowledge graph of one video.
CREATE TABLE tkg_nodes (
    id             bigserial PRIMARY KEY,
    file_uuid      uuid NOT NULL REFERENCES files (file_uuid) ON DELETE CASCADE,
    node_type      text NOT NULL,
    label          text,
    t_start_ms     bigint,
    t_end_ms       bigint,
    props          jsonb
);
CREATE INDEX tkg_nodes_file_uuid_idx ON tkg_nodes (file_uuid, id);

CREATE TABLE tkg_edges (
    id             bigserial PRIMARY KEY,
    file_uuid      uuid NOT NULL REFERENCES files (file_uuid) ON DELETE CASCADE,
    src_node_id    bigint NOT NULL REFERENCES tkg_nodes (id) ON DELETE CASCADE,
    dst_node_id    bigint NOT NULL REFERENCES tkg_nodes (id) ON DELETE CASCADE,
    relation       text NOT NULL,
    t_ms           bigint,
    weight         real,
    props          jsonb
);
CREATE INDEX tkg_edges_file_uuid_idx ON tkg_edges (file_uuid, id);
-- Foreign-key columns indexed: deleting a file's nodes would otherwise scan every edge per node.
CREATE INDEX tkg_edges_src_node_id_idx ON tkg_edges (src_node_id);
CREATE INDEX tkg_edges_dst_node_id_idx ON tkg_edges (dst_node_id);
