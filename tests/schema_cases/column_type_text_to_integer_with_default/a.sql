CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    priority text NOT NULL DEFAULT '0'
);
