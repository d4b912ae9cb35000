CREATE TABLE events (
    id bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    CHECK (id > 0)
);
CREATE TABLE upload_events (
    file_id bigint NOT NULL,
    bytes bigint
) INHERITS (events);
