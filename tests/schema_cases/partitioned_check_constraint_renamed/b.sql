CREATE TABLE face_detections (
    file_id bigint NOT NULL,
    frame integer NOT NULL,
    confidence real NOT NULL,
    CONSTRAINT face_detections_confidence_positive CHECK (confidence >= 0)
) PARTITION BY HASH (file_id);
CREATE TABLE face_detections_0 PARTITION OF face_detections FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE face_detections_1 PARTITION OF face_detections FOR VALUES WITH (MODULUS 2, REMAINDER 1);
