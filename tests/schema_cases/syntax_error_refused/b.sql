CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL
);
CREATE TABLE job_runs (
    id bigint PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES jobs (id),
    started_at timestamptz NOT NULL DEFAULT now()
    finished_at timestamptz
);
