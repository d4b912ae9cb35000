SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "files" ADD COLUMN "imported_at" timestamp with time zone DEFAULT now() NOT NULL;

-- hazards: none
ALTER TABLE "files" ADD COLUMN "source" text DEFAULT 'ingest'::text NOT NULL;

COMMIT;
