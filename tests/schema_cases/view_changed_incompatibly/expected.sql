SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "file_detection_counts";

-- hazards: none
CREATE VIEW "file_detection_counts" AS
SELECT f.id AS file_id,
    (count(d.id))::integer AS detections,
    f.path
   FROM (files f
     LEFT JOIN face_detections d ON ((d.file_id = f.id)))
  GROUP BY f.id, f.path;

COMMIT;
