CREATE TABLE pipeline_events (
    id bigint PRIMARY KEY,
    message text NOT NULL
);
