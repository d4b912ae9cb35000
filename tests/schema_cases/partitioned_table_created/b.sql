CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);

-- Face detections grow by a million rows per video: partitioned by file, a range per block.
CREATE TABLE face_detections (
    file_id bigint NOT NULL REFERENCES files (id),
    frame integer NOT NULL,
    score real NOT NULL CHECK (score >= 0),
    PRIMARY KEY (file_id, frame)
) PARTITION BY RANGE (file_id);
CREATE TABLE face_detections_0 PARTITION OF face_detections FOR VALUES FROM (0) TO (1000000);
CREATE TABLE face_detections_1 PARTITION OF face_detections FOR VALUES FROM (1000000) TO (2000000);
CREATE INDEX face_detections_score_idx ON face_detections (score);
-- A partition's own index: only this partition has it.
CREATE INDEX face_detections_1_frame_idx ON face_detections_1 (frame);
COMMENT ON TABLE face_detections IS 'one row per detected face';
