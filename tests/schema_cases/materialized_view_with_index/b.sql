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
CREATE MATERIALIZED VIEW file_stats AS
    SELECT file_id, count(*) AS detections, max(confidence) AS best_confidence
    FROM face_detections GROUP BY file_id;
CREATE UNIQUE INDEX file_stats_file_idx ON file_stats (file_id);
