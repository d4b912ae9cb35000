CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
GRANT SELECT, INSERT ON files TO momentry_app;
GRANT SELECT ON files TO momentry_reader WITH GRANT OPTION;
