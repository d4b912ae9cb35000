CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    score real NOT NULL
);
CREATE INDEX face_detections_score_idx ON face_detections (score);
