SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP MATERIALIZED VIEW "file_stats";

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (file_id: integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "file_id" TYPE bigint USING "file_id"::bigint;

-- hazard access-exclusive-lock: readers of file_stats wait until it is recomputed and the transaction commits
CREATE MATERIALIZED VIEW "file_stats" AS
SELECT file_id,
    count(*) AS detections
   FROM face_detections
  GROUP BY file_id;

-- hazards: none
CREATE UNIQUE INDEX file_stats_file_idx ON public.file_stats USING btree (file_id);

COMMIT;
