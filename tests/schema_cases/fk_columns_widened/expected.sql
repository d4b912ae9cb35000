SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard access-exclusive-lock: face_detections is locked while the type changes
-- hazard table-rewrite: every row of face_detections is rewritten (file_id: integer → bigint)
ALTER TABLE "face_detections" ALTER COLUMN "file_id" TYPE bigint USING "file_id"::bigint;

-- hazard access-exclusive-lock: files is locked while the type changes
-- hazard table-rewrite: every row of files is rewritten (id: integer → bigint)
ALTER TABLE "files" ALTER COLUMN "id" TYPE bigint USING "id"::bigint;

COMMIT;
