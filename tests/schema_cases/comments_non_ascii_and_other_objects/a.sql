-- Schéma de test: détections → identités
CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
CREATE INDEX identities_label_idx ON identities (label);
CREATE VIEW identity_labels AS SELECT id, label FROM identities;
