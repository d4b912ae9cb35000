CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state text NOT NULL DEFAULT 'queued',
    updated_at timestamptz NOT NULL DEFAULT now()
);
