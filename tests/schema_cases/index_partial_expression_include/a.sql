CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL,
    merged_into bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
