SET search_path TO "public";

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds face_detections_file_frame_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY face_detections_file_frame_idx ON public.face_detections USING btree (file_id, frame);
