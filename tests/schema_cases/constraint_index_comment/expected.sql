SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "identities" (
    "id" bigint NOT NULL
);

-- hazards: none
ALTER TABLE "identities" ADD CONSTRAINT "identities_pkey" PRIMARY KEY (id);

-- hazards: none
COMMENT ON INDEX "files_path_key" IS 'one file per path';

-- hazards: none
COMMENT ON INDEX "files_pkey" IS 'looked up by every import';

-- hazards: none
COMMENT ON INDEX "identities_pkey" IS 'created with its comment';

COMMIT;
