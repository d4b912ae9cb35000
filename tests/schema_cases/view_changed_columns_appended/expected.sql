SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE VIEW "file_detection_counts" AS
SELECT f.id AS file_id,
    f.path,
    count(d.id) AS detections,
    avg(d.confidence) AS mean_confidence,
    f.duration_s
   FROM (files f
     LEFT JOIN face_detections d ON ((d.file_id = f.id)))
  GROUP BY f.id, f.path;

COMMIT;
