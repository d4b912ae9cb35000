CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    sha256 text NOT NULL
);
