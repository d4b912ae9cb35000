CREATE TYPE job_state AS ENUM ('queued', 'running', 'paused', 'done', 'failed');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state job_state NOT NULL DEFAULT 'queued'
);
CREATE INDEX jobs_active_idx ON jobs (id) WHERE state <> 'done';
