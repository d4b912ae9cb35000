SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE SEQUENCE "tkg_nodes_revision_seq" AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE;

-- hazards: none
CREATE SEQUENCE "tkg_snapshots_id_seq" AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE;

-- hazards: none
CREATE TABLE "tkg_snapshots" (
    "id" integer DEFAULT nextval('tkg_snapshots_id_seq'::regclass) NOT NULL,
    "taken_at" timestamp with time zone DEFAULT now() NOT NULL
);

-- hazards: none
ALTER SEQUENCE "tkg_snapshots_id_seq" OWNED BY "tkg_snapshots"."id";

-- hazard table-rewrite: the default nextval('tkg_nodes_revision_seq'::regclass) is volatile: every row is rewritten
-- hazard access-exclusive-lock: tkg_nodes is locked while it is rewritten
ALTER TABLE "tkg_nodes" ADD COLUMN "revision" bigint DEFAULT nextval('tkg_nodes_revision_seq'::regclass) NOT NULL;

-- hazards: none
ALTER SEQUENCE "tkg_nodes_revision_seq" OWNED BY "tkg_nodes"."revision";

-- hazards: none
ALTER TABLE "tkg_snapshots" ADD CONSTRAINT "tkg_snapshots_pkey" PRIMARY KEY (id);

COMMIT;
