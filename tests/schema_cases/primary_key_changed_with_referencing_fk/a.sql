CREATE TABLE files (
    id bigint PRIMARY KEY,
    file_uuid uuid NOT NULL
);
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    file_id bigint REFERENCES files (id)
);
