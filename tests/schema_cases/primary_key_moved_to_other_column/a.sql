CREATE TABLE accounts (
    id int PRIMARY KEY,
    handle text NOT NULL
);
