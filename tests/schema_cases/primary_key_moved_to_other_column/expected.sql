SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "accounts" DROP CONSTRAINT "accounts_pkey";

-- hazards: none
ALTER TABLE "accounts" ALTER COLUMN "id" DROP NOT NULL;

-- hazard index-build: builds the primary key index, blocking writes
-- hazard data-dependent: fails if existing rows violate accounts_pkey
-- hazard access-exclusive-lock: accounts is locked while the index builds
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY (handle);

COMMIT;
