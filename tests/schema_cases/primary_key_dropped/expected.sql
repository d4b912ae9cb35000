SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "t" DROP CONSTRAINT "t_pkey";

-- hazards: none
ALTER TABLE "t" ALTER COLUMN "a" DROP NOT NULL;

COMMIT;
