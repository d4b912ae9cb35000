CREATE TYPE job_state AS ENUM ('queued', 'running', 'cancelled', 'done');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state job_state NOT NULL DEFAULT 'queued',
    history job_state[]
);
-- Things that use the type directly: a partial index, a view, a function argument.
CREATE INDEX jobs_open_idx ON jobs (id) WHERE state <> 'done';
CREATE VIEW open_jobs AS SELECT id, state FROM jobs WHERE state IN ('queued', 'running');
CREATE FUNCTION is_final(s job_state) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT s = 'done' $$;
