CREATE TABLE events (
    id bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    CHECK (id > 0)
);
CREATE TABLE login_events (
    ip inet
) INHERITS (events);
