SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "labels" DROP CONSTRAINT "labels_pkey";

-- hazards: none
ALTER TABLE "labels" ALTER COLUMN "code" DROP NOT NULL;

COMMIT;
