CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    duration_s double precision
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id),
    frame integer NOT NULL,
    confidence real NOT NULL
);
