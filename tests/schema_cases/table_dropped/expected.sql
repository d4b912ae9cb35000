SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard deletes-data: all rows of tkg_edges are deleted
-- hazard backward-incompatible: table tkg_edges disappears
DROP TABLE "tkg_edges";

-- hazard deletes-data: all rows of tkg_nodes are deleted
-- hazard backward-incompatible: table tkg_nodes disappears
DROP TABLE "tkg_nodes";

COMMIT;
