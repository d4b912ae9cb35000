SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard table-rewrite: a stored generated column is computed for every row
-- hazard access-exclusive-lock: face_detections is locked while it is rewritten
ALTER TABLE "face_detections" ADD COLUMN "area" real GENERATED ALWAYS AS (((x2 - x1) * (y2 - y1))) STORED;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds face_detections_area_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY face_detections_area_idx ON public.face_detections USING btree (area);
