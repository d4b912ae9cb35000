CREATE TABLE face_detections (
    file_id bigint NOT NULL,
    frame integer NOT NULL,
    score real NOT NULL,
    PRIMARY KEY (file_id, frame)
) PARTITION BY RANGE (file_id);
CREATE INDEX face_detections_score_idx ON face_detections (score);
CREATE TABLE face_detections_0 PARTITION OF face_detections FOR VALUES FROM (0) TO (1000000);
