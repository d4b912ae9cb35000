CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    confidence real NOT NULL
);
CREATE MATERIALIZED VIEW file_stats AS
    SELECT file_id, count(*) AS detections FROM face_detections GROUP BY file_id;
