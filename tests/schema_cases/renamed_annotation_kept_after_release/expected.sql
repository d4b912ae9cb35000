SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "identities" ADD COLUMN "created_at" timestamp with time zone DEFAULT now();

COMMIT;
