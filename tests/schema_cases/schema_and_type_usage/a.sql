CREATE SCHEMA reporting;
CREATE TYPE job_state AS ENUM ('queued', 'done');
CREATE TABLE reporting.daily (day date PRIMARY KEY, state job_state NOT NULL);
