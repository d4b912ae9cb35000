CREATE TYPE job_priority AS ENUM ('low', 'normal', 'high');
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    priority job_priority NOT NULL DEFAULT 'normal'
);
