SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "scored_detections";

-- hazards: none
DROP FUNCTION "detection_score"(confidence real);

-- hazards: none
CREATE OR REPLACE FUNCTION public.detection_score(confidence real)
 RETURNS numeric
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT round((confidence * 100)::numeric, 1) $function$;

-- hazards: none
CREATE VIEW "scored_detections" AS
SELECT id,
    file_id,
    detection_score(confidence) AS score
   FROM face_detections;

COMMIT;
