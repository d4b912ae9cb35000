CREATE TYPE job_state AS ENUM ('queued', 'running', 'done');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state job_state NOT NULL DEFAULT 'queued'
);
-- A partial index that uses the enum: recreating the type (migra's way) breaks it.
CREATE INDEX jobs_active_idx ON jobs (id) WHERE state <> 'done';
