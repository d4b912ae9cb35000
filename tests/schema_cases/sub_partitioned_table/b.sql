CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE face_detections (
    file_id bigint NOT NULL,
    frame integer NOT NULL,
    score real NOT NULL
) PARTITION BY RANGE (file_id);
CREATE TABLE face_detections_0 PARTITION OF face_detections FOR VALUES FROM (0) TO (1000000)
    PARTITION BY LIST (frame);
CREATE TABLE face_detections_0_even PARTITION OF face_detections_0 FOR VALUES IN (0, 2, 4);
CREATE TABLE face_detections_0_rest PARTITION OF face_detections_0 DEFAULT;
CREATE TABLE face_detections_1 PARTITION OF face_detections FOR VALUES FROM (1000000) TO (2000000);
CREATE INDEX face_detections_score_idx ON face_detections (score);
