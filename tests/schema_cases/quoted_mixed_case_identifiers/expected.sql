SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries naming FaceDetections fail until the application uses Face Detections
ALTER TABLE "FaceDetections" RENAME TO "Face Detections";

-- hazard backward-incompatible: queries naming Face Detections.Score fail until the application uses confidence Score
ALTER TABLE "Face Detections" RENAME COLUMN "Score" TO "confidence Score";

-- hazards: none
ALTER TABLE "Face Detections" RENAME CONSTRAINT "FaceDetections_pkey" TO "Face Detections_pkey";

-- hazards: none
ALTER TABLE "Face Detections" ADD COLUMN "order" integer;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds Face Detections_fileId_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY "Face Detections_fileId_idx" ON public."Face Detections" USING btree ("fileId");
