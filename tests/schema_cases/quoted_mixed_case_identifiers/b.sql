-- @renamed from="FaceDetections"
CREATE TABLE "Face Detections" (
    id bigint PRIMARY KEY,
    "fileId" bigint NOT NULL,
    -- @renamed from="Score"
    "confidence Score" real,
    "order" integer
);
CREATE INDEX "Face Detections_fileId_idx" ON "Face Detections" ("fileId");
