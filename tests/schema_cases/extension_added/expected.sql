SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA "public" VERSION '0.6.2';

-- hazards: none
ALTER TABLE "face_detections" ADD COLUMN "landmark" vector(3);

COMMIT;
