-- Schéma de test: détections → identités
CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
COMMENT ON TABLE identities IS 'Identités reconnues — une ligne par personne';
CREATE INDEX identities_label_idx ON identities (label);
COMMENT ON INDEX identities_label_idx IS 'lookup by label → id';
CREATE VIEW identity_labels AS SELECT id, label FROM identities;
COMMENT ON VIEW identity_labels IS 'labels only';
COMMENT ON CONSTRAINT identities_pkey ON identities IS 'stable id';
CREATE FUNCTION identity_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM identities $$;
COMMENT ON FUNCTION identity_count() IS 'number of identities';
