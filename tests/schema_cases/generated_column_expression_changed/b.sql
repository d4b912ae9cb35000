CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    width real NOT NULL,
    height real NOT NULL,
    area real GENERATED ALWAYS AS (abs(width * height)) STORED
);
CREATE INDEX face_detections_area_idx ON face_detections (area);
