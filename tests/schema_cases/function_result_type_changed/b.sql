CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    confidence real NOT NULL
);
CREATE FUNCTION detection_score(confidence real) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT round((confidence * 100)::numeric, 1) $$;
CREATE VIEW scored_detections AS
    SELECT id, file_id, detection_score(confidence) AS score FROM face_detections;
