SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "face_detections" RENAME CONSTRAINT "face_detections_confidence_check" TO "face_detections_confidence_positive";

COMMIT;
