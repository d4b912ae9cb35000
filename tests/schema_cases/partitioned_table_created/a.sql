CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
