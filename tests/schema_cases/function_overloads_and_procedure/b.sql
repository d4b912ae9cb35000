CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state text NOT NULL DEFAULT 'queued'
);
CREATE FUNCTION job_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM jobs $$;
CREATE FUNCTION job_count(wanted text, include_done boolean DEFAULT false) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM jobs WHERE state = wanted OR (include_done AND state = 'done') $$;
CREATE PROCEDURE requeue_jobs(from_state text)
LANGUAGE sql AS $$ UPDATE jobs SET state = 'queued' WHERE state = from_state $$;
