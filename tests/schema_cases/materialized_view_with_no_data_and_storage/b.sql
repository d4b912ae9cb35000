CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    confidence real NOT NULL
);
-- Same query: the storage parameter and the populated state change in place.
CREATE MATERIALIZED VIEW file_stats WITH (fillfactor = 70) AS
    SELECT file_id, count(*) AS detections FROM face_detections GROUP BY file_id
    WITH NO DATA;
-- A new one, declared empty: it must be created empty.
CREATE MATERIALIZED VIEW confident_stats WITH (autovacuum_enabled = false) AS
    SELECT file_id, avg(confidence) AS mean_confidence FROM face_detections GROUP BY file_id
    WITH NO DATA;
