SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "identities" ADD COLUMN "display_name" text;

-- hazard deletes-data: the values of identities.name are deleted
-- hazard backward-incompatible: identities.name disappears
-- hazard deletes-data: identities.name looks renamed to display_name; if it is, declare `-- @renamed from=name` above the new column
ALTER TABLE "identities" DROP COLUMN "name";

COMMIT;
