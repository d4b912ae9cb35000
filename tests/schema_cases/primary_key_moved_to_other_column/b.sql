CREATE TABLE accounts (
    id int,
    handle text PRIMARY KEY
);
