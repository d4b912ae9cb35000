CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    embedding_note text
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, toast.autovacuum_enabled = false);
CREATE TABLE tkg_edges (
    id bigint PRIMARY KEY,
    note text
) WITH (autovacuum_enabled = false);
