CREATE TABLE events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    CHECK (id > 0)
);
CREATE TABLE login_events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    ip inet,
    CONSTRAINT events_id_check CHECK (id > 0)
);
CREATE TABLE audit_events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    note text,
    CONSTRAINT events_id_check CHECK (id > 0)
) INHERITS (events);
