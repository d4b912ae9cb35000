SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard index-build: builds face_detections_score_idx on every partition of face_detections while blocking writes to them
CREATE INDEX face_detections_score_idx ON public.face_detections USING btree (score);

COMMIT;
