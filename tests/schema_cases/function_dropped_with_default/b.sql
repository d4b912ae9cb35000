CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    token text NOT NULL DEFAULT gen_random_uuid()::text
);
