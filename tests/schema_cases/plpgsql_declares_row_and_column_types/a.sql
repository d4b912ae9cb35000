CREATE TABLE files (
    id bigint PRIMARY KEY
);
