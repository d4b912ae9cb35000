SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "identities" (
    "id" bigint NOT NULL,
    "label" text NOT NULL,
    "first_seen_file_id" bigint
);

-- hazards: none
ALTER TABLE "face_detections" ADD COLUMN "identity_id" bigint;

-- hazards: none
ALTER TABLE "identities" ADD CONSTRAINT "identities_first_seen_file_id_fkey" FOREIGN KEY (first_seen_file_id) REFERENCES files(id) ON DELETE SET NULL;

-- hazards: none
ALTER TABLE "identities" ADD CONSTRAINT "identities_pkey" PRIMARY KEY (id);

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_identity_id_fkey" FOREIGN KEY (identity_id) REFERENCES identities(id) NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate face_detections_identity_id_fkey
ALTER TABLE "face_detections" VALIDATE CONSTRAINT "face_detections_identity_id_fkey";
