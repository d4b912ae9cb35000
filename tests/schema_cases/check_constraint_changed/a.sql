CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    confidence real NOT NULL,
    CONSTRAINT face_detections_confidence_range CHECK (confidence BETWEEN 0 AND 1)
);
