SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE VIEW "file_detection_counts" AS
SELECT f.id AS file_id,
    f.path,
    count(d.id) AS detections
   FROM (files f
     LEFT JOIN face_detections d ON ((d.file_id = f.id)))
  GROUP BY f.id, f.path;

COMMIT;
