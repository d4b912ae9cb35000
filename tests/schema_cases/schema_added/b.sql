CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL
);
CREATE SCHEMA audit;
CREATE TABLE audit.job_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES jobs (id),
    at timestamptz NOT NULL DEFAULT now(),
    event text NOT NULL
);
CREATE INDEX job_events_job_idx ON audit.job_events (job_id, at);
