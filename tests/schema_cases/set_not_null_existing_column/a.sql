CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    file_id bigint
);
