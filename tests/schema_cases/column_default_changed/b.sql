CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    state text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer,
    note text DEFAULT ''
);
