SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries naming identities.name fail until the application uses display_name
ALTER TABLE "identities" RENAME COLUMN "name" TO "display_name";

COMMIT;
