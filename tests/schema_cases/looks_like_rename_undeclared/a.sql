CREATE TABLE identities (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
