CREATE FUNCTION normalize_label(label text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT lower(label) $$;
CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL
);
CREATE INDEX identities_label_norm_idx ON identities (normalize_label(label));
