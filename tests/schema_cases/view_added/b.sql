CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    duration_s double precision
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id),
    frame integer NOT NULL,
    confidence real NOT NULL
);
CREATE VIEW file_detection_counts AS
    SELECT f.id AS file_id, f.path, count(d.id) AS detections
    FROM files f LEFT JOIN face_detections d ON d.file_id = f.id
    GROUP BY f.id, f.path;
