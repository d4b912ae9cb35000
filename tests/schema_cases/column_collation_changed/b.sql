CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text COLLATE "C" NOT NULL
);
CREATE INDEX identities_label_idx ON identities (label);
