CREATE TABLE jobs (id int, state text);
CREATE TABLE job_log (job_id int, note text);
CREATE PROCEDURE log_done(note text) LANGUAGE sql AS $$
    INSERT INTO job_log (job_id, note) SELECT id, note FROM jobs WHERE state = 'done'
$$;
CREATE VIEW open_jobs AS SELECT id FROM jobs WHERE state <> 'done';
CREATE FUNCTION open_job_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM open_jobs $$;
CREATE FUNCTION any_open_job() RETURNS boolean LANGUAGE sql AS $$ SELECT open_job_count() > 0 $$;
