CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL
);
