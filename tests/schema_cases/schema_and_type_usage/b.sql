CREATE SCHEMA reporting;
GRANT USAGE ON SCHEMA reporting TO momentry_reader;
GRANT USAGE, CREATE ON SCHEMA reporting TO momentry_app;
CREATE TYPE job_state AS ENUM ('queued', 'done');
REVOKE USAGE ON TYPE job_state FROM PUBLIC;
GRANT USAGE ON TYPE job_state TO momentry_app;
CREATE TABLE reporting.daily (day date PRIMARY KEY, state job_state NOT NULL);
GRANT SELECT ON reporting.daily TO momentry_reader;
