CREATE TYPE job_state AS ENUM ('pending', 'queued', 'running', 'done');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state job_state NOT NULL DEFAULT 'pending'
);
CREATE INDEX jobs_pending_idx ON jobs (id) WHERE state = 'pending';
