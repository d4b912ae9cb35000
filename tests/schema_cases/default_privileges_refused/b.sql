CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
GRANT SELECT ON files TO PUBLIC;
-- Reviewers may read every table created from now on.
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
