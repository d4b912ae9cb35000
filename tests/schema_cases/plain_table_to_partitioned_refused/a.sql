CREATE TABLE face_detections (
    file_id bigint NOT NULL,
    frame integer NOT NULL,
    score real NOT NULL
);
