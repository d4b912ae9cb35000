SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries naming people fail until the application uses persons
ALTER TABLE "people" RENAME TO "persons";

-- hazards: none
ALTER TABLE "persons" RENAME CONSTRAINT "people_pkey" TO "persons_pkey";

-- hazards: none
ALTER TABLE "persons" RENAME CONSTRAINT "people_name_key" TO "persons_name_key";

-- hazards: none
ALTER INDEX "people_born_idx" RENAME TO "persons_born_idx";

-- hazards: none
ALTER SEQUENCE "people_id_seq" RENAME TO "persons_id_seq";

COMMIT;
