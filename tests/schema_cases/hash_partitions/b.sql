CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE face_detections (
    file_id bigint NOT NULL REFERENCES files (id),
    frame integer NOT NULL,
    score real NOT NULL
) PARTITION BY HASH (file_id);
CREATE TABLE face_detections_0 PARTITION OF face_detections FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE face_detections_1 PARTITION OF face_detections FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE face_detections_2 PARTITION OF face_detections FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE face_detections_3 PARTITION OF face_detections FOR VALUES WITH (MODULUS 4, REMAINDER 3);
CREATE INDEX face_detections_file_frame_idx ON face_detections (file_id, frame);
