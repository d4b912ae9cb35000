CREATE TABLE exports (
    id bigint PRIMARY KEY,
    created_ms timestamp NOT NULL
);
