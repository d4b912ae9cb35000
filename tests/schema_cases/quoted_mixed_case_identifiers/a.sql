CREATE TABLE "FaceDetections" (
    id bigint PRIMARY KEY,
    "fileId" bigint NOT NULL,
    "Score" real
);
