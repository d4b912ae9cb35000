CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL UNIQUE
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    frame integer NOT NULL,
    bbox real[] NOT NULL
);
