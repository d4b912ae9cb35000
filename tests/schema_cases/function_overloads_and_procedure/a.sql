CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state text NOT NULL DEFAULT 'queued'
);
CREATE FUNCTION job_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM jobs $$;
