SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "face_detections_2" PARTITION OF "face_detections" FOR VALUES FROM ('2000000') TO ('3000000');

-- hazard deletes-data: all rows of face_detections_0 are deleted
-- hazard backward-incompatible: table face_detections_0 disappears
DROP TABLE "face_detections_0";

COMMIT;
