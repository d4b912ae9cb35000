SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE MATERIALIZED VIEW "confident_stats" WITH ("autovacuum_enabled" = 'false') AS
SELECT file_id,
    avg(confidence) AS mean_confidence
   FROM face_detections
  GROUP BY file_id
WITH NO DATA;

-- hazards: none
ALTER MATERIALIZED VIEW "file_stats" SET ("fillfactor" = '70');

-- hazard access-exclusive-lock: readers of file_stats wait until it is refreshed and the transaction commits
REFRESH MATERIALIZED VIEW "file_stats" WITH NO DATA;

COMMIT;
