CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON files TO momentry_app;
