CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    x1 real NOT NULL,
    y1 real NOT NULL,
    x2 real NOT NULL,
    y2 real NOT NULL
);
