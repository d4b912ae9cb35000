SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (real → double precision)
ALTER TABLE "face_detections" ALTER COLUMN "confidence" TYPE double precision USING "confidence"::double precision;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "file_id" TYPE bigint USING "file_id"::bigint;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "frame" TYPE bigint USING "frame"::bigint;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "id" TYPE bigint USING "id"::bigint;

COMMIT;
