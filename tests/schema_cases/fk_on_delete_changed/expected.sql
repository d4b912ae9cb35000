SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "face_detections" DROP CONSTRAINT "face_detections_identity_id_fkey";

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_identity_id_fkey" FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE SET NULL NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate face_detections_identity_id_fkey
ALTER TABLE "face_detections" VALIDATE CONSTRAINT "face_detections_identity_id_fkey";
