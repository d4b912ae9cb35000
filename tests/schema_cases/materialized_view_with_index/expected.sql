SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP MATERIALIZED VIEW "file_stats";

-- hazard access-exclusive-lock: readers of file_stats wait until it is recomputed and the transaction commits
CREATE MATERIALIZED VIEW "file_stats" AS
SELECT file_id,
    count(*) AS detections,
    max(confidence) AS best_confidence
   FROM face_detections
  GROUP BY file_id;

-- hazards: none
CREATE UNIQUE INDEX file_stats_file_idx ON public.file_stats USING btree (file_id);

COMMIT;
