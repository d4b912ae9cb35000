SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "face_detections" RESET ("fillfactor");

-- hazards: none
ALTER TABLE "face_detections" SET ("fillfactor" = '70', "autovacuum_vacuum_scale_factor" = '0.01', "toast"."autovacuum_enabled" = 'false');

-- hazards: none
CREATE TABLE "tkg_edges" (
    "id" bigint NOT NULL,
    "note" text
) WITH ("autovacuum_enabled" = 'false');

-- hazards: none
ALTER TABLE "tkg_edges" ADD CONSTRAINT "tkg_edges_pkey" PRIMARY KEY (id);

COMMIT;
