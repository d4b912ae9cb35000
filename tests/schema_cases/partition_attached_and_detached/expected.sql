SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: rows of face_detections_0 no longer appear in face_detections, and rows for its bound (FOR VALUES FROM ('0') TO ('1000000')) can no longer be inserted there
ALTER TABLE "face_detections" DETACH PARTITION "face_detections_0";

-- hazard data-dependent: fails if a row of face_detections_1 is outside FOR VALUES FROM ('1000000') TO ('2000000') (or if the default partition of face_detections holds rows for it)
-- hazard access-exclusive-lock: face_detections_1 is scanned under an ACCESS EXCLUSIVE lock to check its rows, unless a CHECK constraint of face_detections_1 already implies the bound
ALTER TABLE "face_detections" ATTACH PARTITION "face_detections_1" FOR VALUES FROM ('1000000') TO ('2000000');

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazards: none
DROP INDEX CONCURRENTLY "face_detections_0_score_idx";
