CREATE TYPE job_state AS ENUM ('queued', 'running', 'done');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state job_state NOT NULL DEFAULT 'queued'
);
