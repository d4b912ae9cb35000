CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    -- @renamed from=score
    confidence double precision NOT NULL
);
CREATE INDEX face_detections_score_idx ON face_detections (confidence);
