SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard data-dependent: NOT NULL without a default fails if the table has rows
ALTER TABLE "identities" ADD COLUMN "full_name" text NOT NULL;

-- hazard deletes-data: the values of identities.name are deleted
-- hazard backward-incompatible: identities.name disappears
-- hazard deletes-data: identities.name looks renamed to full_name; if it is, declare `-- @renamed from=name` above the new column
ALTER TABLE "identities" DROP COLUMN "name";

COMMIT;
