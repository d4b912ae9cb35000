SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "face_detections" ADD COLUMN "box" integer[];

COMMIT;
