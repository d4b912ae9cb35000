CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL,
    merged_into bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX identities_label_lower_idx ON identities (lower(label))
    INCLUDE (created_at) WHERE merged_into IS NULL;
CREATE INDEX identities_created_desc_idx ON identities (created_at DESC NULLS LAST);
