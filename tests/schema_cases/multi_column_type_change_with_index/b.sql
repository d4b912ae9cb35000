CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    frame bigint NOT NULL,
    confidence double precision NOT NULL
);
CREATE INDEX face_detections_file_frame_idx ON face_detections (file_id, frame);
CREATE INDEX face_detections_confident_idx ON face_detections (file_id) WHERE confidence > 0.9;
