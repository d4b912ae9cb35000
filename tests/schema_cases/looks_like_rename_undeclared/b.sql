CREATE TABLE identities (
    id bigint PRIMARY KEY,
    full_name text NOT NULL
);
