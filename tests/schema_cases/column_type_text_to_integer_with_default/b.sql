CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    priority integer NOT NULL DEFAULT 0
);
