CREATE FUNCTION next_job_token() RETURNS text
LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    token text NOT NULL DEFAULT next_job_token()
);
