CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
GRANT SELECT ON files TO momentry_reader;
GRANT SELECT, INSERT ON files TO momentry_app;
