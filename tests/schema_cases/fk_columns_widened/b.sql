CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE
);
CREATE INDEX face_detections_file_idx ON face_detections (file_id);
