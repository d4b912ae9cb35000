CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
-- Reviewers may read files only.
GRANT SELECT ON files TO PUBLIC;
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
