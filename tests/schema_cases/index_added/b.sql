CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    frame integer NOT NULL,
    confidence real NOT NULL
);
CREATE INDEX face_detections_file_frame_idx ON face_detections (file_id, frame);
