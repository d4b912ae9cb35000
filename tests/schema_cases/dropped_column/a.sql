CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    legacy_checksum text,
    size_bytes bigint
);
