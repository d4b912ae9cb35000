SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "identity_labels";

-- hazard access-exclusive-lock: identities is locked while the type changes
ALTER TABLE "identities" ALTER COLUMN "label" TYPE character varying(100) USING "label"::character varying(100);

-- hazards: none
CREATE VIEW "identity_labels" AS
SELECT id,
    upper((label)::text) AS label
   FROM identities;

COMMIT;
