CREATE TABLE events (
    id bigint NOT NULL
);
CREATE TABLE login_events (
    ip inet
) INHERITS (events);
