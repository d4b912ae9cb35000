SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "face_detections" (
    "file_id" bigint NOT NULL,
    "frame" integer NOT NULL,
    "score" real NOT NULL
) PARTITION BY HASH (file_id);

-- hazards: none
CREATE TABLE "face_detections_0" PARTITION OF "face_detections" FOR VALUES WITH (modulus 4, remainder 0);

-- hazards: none
CREATE TABLE "face_detections_1" PARTITION OF "face_detections" FOR VALUES WITH (modulus 4, remainder 1);

-- hazards: none
CREATE TABLE "face_detections_2" PARTITION OF "face_detections" FOR VALUES WITH (modulus 4, remainder 2);

-- hazards: none
CREATE TABLE "face_detections_3" PARTITION OF "face_detections" FOR VALUES WITH (modulus 4, remainder 3);

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_file_id_fkey" FOREIGN KEY (file_id) REFERENCES files(id);

-- hazards: none
CREATE INDEX face_detections_file_frame_idx ON public.face_detections USING btree (file_id, frame);

COMMIT;
