SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER SEQUENCE "tkg_edges_id_seq" INCREMENT BY 10 CACHE 20;

COMMIT;
