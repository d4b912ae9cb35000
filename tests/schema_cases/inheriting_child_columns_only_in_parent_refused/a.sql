CREATE TABLE events (
    id bigint NOT NULL
);
CREATE TABLE login_events (
    id bigint NOT NULL,
    ip inet
);
