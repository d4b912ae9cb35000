CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
CREATE TABLE jobs (
    id serial PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id),
    note text
);
GRANT SELECT, INSERT ON jobs TO momentry_app;
GRANT USAGE ON SEQUENCE jobs_id_seq TO momentry_app;
GRANT SELECT (id, note) ON jobs TO momentry_reader;
ALTER TABLE files ADD COLUMN checksum text;
GRANT UPDATE (checksum) ON files TO momentry_app;
