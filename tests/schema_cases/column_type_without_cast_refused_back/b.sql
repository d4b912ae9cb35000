CREATE TABLE exports (
    id bigint PRIMARY KEY,
    created_ms bigint NOT NULL
);
