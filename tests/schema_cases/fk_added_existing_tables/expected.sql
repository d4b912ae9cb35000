SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "tkg_edges" ADD CONSTRAINT "tkg_edges_dst_fkey" FOREIGN KEY (dst) REFERENCES tkg_nodes(id) ON DELETE CASCADE NOT VALID;

-- hazards: none
ALTER TABLE "tkg_edges" ADD CONSTRAINT "tkg_edges_src_fkey" FOREIGN KEY (src) REFERENCES tkg_nodes(id) ON DELETE CASCADE NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate tkg_edges_dst_fkey
ALTER TABLE "tkg_edges" VALIDATE CONSTRAINT "tkg_edges_dst_fkey";

-- hazard data-dependent: fails if existing rows violate tkg_edges_src_fkey
ALTER TABLE "tkg_edges" VALIDATE CONSTRAINT "tkg_edges_src_fkey";
