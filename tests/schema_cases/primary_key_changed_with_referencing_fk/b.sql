CREATE TABLE files (
    id bigint NOT NULL UNIQUE,
    file_uuid uuid PRIMARY KEY
);
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    file_id bigint REFERENCES files (id)
);
