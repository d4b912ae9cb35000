SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries naming face_detections.score fail until the application uses confidence
ALTER TABLE "face_detections" RENAME COLUMN "score" TO "confidence";

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (confidence: real → double precision)
ALTER TABLE "face_detections" ALTER COLUMN "confidence" TYPE double precision USING "confidence"::double precision;

COMMIT;
