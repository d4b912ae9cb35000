CREATE TABLE identities (
    id bigint PRIMARY KEY,
    display_name text NOT NULL,
    hidden boolean NOT NULL DEFAULT false
);
CREATE VIEW visible_identities AS
    SELECT id, display_name FROM identities WHERE NOT hidden;
