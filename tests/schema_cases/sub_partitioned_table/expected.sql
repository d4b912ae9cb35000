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
CREATE TABLE "face_detections_0" PARTITION OF "face_detections" FOR VALUES FROM ('0') TO ('1000000') PARTITION BY LIST (frame);

-- hazards: none
CREATE TABLE "face_detections_0_even" PARTITION OF "face_detections_0" FOR VALUES IN (0, 2, 4);

-- hazards: none
CREATE TABLE "face_detections_0_rest" PARTITION OF "face_detections_0" DEFAULT;

-- hazards: none
CREATE TABLE "face_detections_1" PARTITION OF "face_detections" FOR VALUES FROM ('1000000') TO ('2000000');

-- hazards: none
CREATE INDEX face_detections_score_idx ON public.face_detections USING btree (score);

COMMIT;
