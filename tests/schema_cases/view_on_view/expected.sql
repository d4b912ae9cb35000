SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "busy_files";

-- hazards: none
DROP VIEW "file_detection_counts";

-- hazards: none
CREATE VIEW "file_detection_counts" AS
SELECT f.id AS file_id,
    f.path,
    (count(d.id))::integer AS detections
   FROM (files f
     LEFT JOIN face_detections d ON ((d.file_id = f.id)))
  WHERE (d.confidence > (0.5)::double precision)
  GROUP BY f.id, f.path;

-- hazards: none
CREATE VIEW "busy_files" AS
SELECT file_id,
    path
   FROM file_detection_counts
  WHERE (detections > 100);

COMMIT;
