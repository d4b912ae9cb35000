CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
