CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_state_idx ON jobs (state);
CREATE INDEX jobs_created_idx ON jobs (created_at);
