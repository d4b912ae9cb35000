SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "face_detections_other" PARTITION OF "face_detections" DEFAULT;

COMMIT;
