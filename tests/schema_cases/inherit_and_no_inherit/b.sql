CREATE TABLE events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    CHECK (id > 0)
);
-- INHERIT keeps a table's columns (and CHECK) its own: they are declared here too.
CREATE TABLE login_events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    ip inet,
    CONSTRAINT events_id_check CHECK (id > 0)
) INHERITS (events);
CREATE TABLE audit_events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    note text,
    CONSTRAINT events_id_check CHECK (id > 0)
);
