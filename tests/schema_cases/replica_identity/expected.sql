SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "files" REPLICA IDENTITY FULL;

-- hazards: none
CREATE TABLE "tkg_edges" (
    "id" bigint NOT NULL,
    "src" bigint NOT NULL
);

-- hazards: none
ALTER TABLE "tkg_nodes" REPLICA IDENTITY DEFAULT;

-- hazards: none
ALTER TABLE "tkg_edges" ADD CONSTRAINT "tkg_edges_pkey" PRIMARY KEY (id);

-- hazards: none
ALTER TABLE "tkg_edges" REPLICA IDENTITY USING INDEX "tkg_edges_pkey";

-- hazard index-build: builds identities_id_idx while blocking writes to identities
-- hazard data-dependent: fails if existing rows hold duplicates for identities_id_idx
CREATE UNIQUE INDEX identities_id_idx ON public.identities USING btree (id);

-- hazards: none
ALTER TABLE "identities" REPLICA IDENTITY USING INDEX "identities_id_idx";

COMMIT;
