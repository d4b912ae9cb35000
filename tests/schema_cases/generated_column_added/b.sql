CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    x1 real NOT NULL,
    y1 real NOT NULL,
    x2 real NOT NULL,
    y2 real NOT NULL,
    area real GENERATED ALWAYS AS ((x2 - x1) * (y2 - y1)) STORED
);
CREATE INDEX face_detections_area_idx ON face_detections (area);
