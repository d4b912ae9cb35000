SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "face_detections" (
    "file_id" bigint NOT NULL,
    "frame" integer NOT NULL,
    "score" real NOT NULL
) PARTITION BY RANGE (file_id);

-- hazards: none
CREATE TABLE "face_detections_0" PARTITION OF "face_detections" FOR VALUES FROM ('0') TO ('1000000');

-- hazards: none
CREATE TABLE "face_detections_1" PARTITION OF "face_detections" FOR VALUES FROM ('1000000') TO ('2000000');

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_file_id_fkey" FOREIGN KEY (file_id) REFERENCES files(id);

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_pkey" PRIMARY KEY (file_id, frame);

-- hazards: none
ALTER TABLE "face_detections" ADD CONSTRAINT "face_detections_score_check" CHECK ((score >= (0)::double precision));

-- hazards: none
CREATE INDEX face_detections_1_frame_idx ON public.face_detections_1 USING btree (frame);

-- hazards: none
CREATE INDEX face_detections_score_idx ON public.face_detections USING btree (score);

-- hazards: none
COMMENT ON TABLE "face_detections" IS 'one row per detected face';

COMMIT;
