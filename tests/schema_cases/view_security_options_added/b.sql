CREATE TABLE identities (
    id bigint PRIMARY KEY,
    display_name text NOT NULL,
    hidden boolean NOT NULL DEFAULT false
);
-- Only the options change: the query is the same.
CREATE VIEW visible_identities WITH (security_invoker = true, security_barrier = true) AS
    SELECT id, display_name FROM identities WHERE NOT hidden;
