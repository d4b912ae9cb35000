SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries naming nodes fail until the application uses tkg_nodes
ALTER TABLE "nodes" RENAME TO "tkg_nodes";

-- hazard backward-incompatible: queries naming tkg_nodes.name fail until the application uses label
ALTER TABLE "tkg_nodes" RENAME COLUMN "name" TO "label";

-- hazards: none
ALTER TABLE "tkg_nodes" RENAME CONSTRAINT "nodes_pkey" TO "tkg_nodes_pkey";

-- hazards: none
ALTER INDEX "nodes_name_idx" RENAME TO "tkg_nodes_name_idx";

COMMIT;
