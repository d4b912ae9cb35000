SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (confidence: real → double precision)
-- hazard table-rewrite: every row of face_detections is rewritten (file_id: integer → bigint)
-- hazard table-rewrite: every row of face_detections is rewritten (frame: integer → bigint)
-- hazard table-rewrite: every row of face_detections is rewritten (id: integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "confidence" TYPE double precision USING "confidence"::double precision,
    ALTER COLUMN "file_id" TYPE bigint USING "file_id"::bigint,
    ALTER COLUMN "frame" TYPE bigint USING "frame"::bigint,
    ALTER COLUMN "id" TYPE bigint USING "id"::bigint;

COMMIT;
