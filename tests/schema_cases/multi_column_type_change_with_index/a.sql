CREATE TABLE face_detections (
    id integer PRIMARY KEY,
    file_id integer NOT NULL,
    frame integer NOT NULL,
    confidence real NOT NULL
);
CREATE INDEX face_detections_file_frame_idx ON face_detections (file_id, frame);
CREATE INDEX face_detections_confident_idx ON face_detections (file_id) WHERE confidence > 0.9;
