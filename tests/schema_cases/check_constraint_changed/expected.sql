SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "face_detections" DROP CONSTRAINT "face_detections_confidence_range";

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_confidence_range" CHECK (((confidence > (0.2)::double precision) AND (confidence <= (1)::double precision))) NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate face_detections_confidence_range
ALTER TABLE "face_detections" VALIDATE CONSTRAINT "face_detections_confidence_range";
