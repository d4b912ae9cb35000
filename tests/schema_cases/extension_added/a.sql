CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    confidence real NOT NULL
);
