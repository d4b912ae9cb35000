CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
CREATE INDEX identities_label_idx ON identities (label);
