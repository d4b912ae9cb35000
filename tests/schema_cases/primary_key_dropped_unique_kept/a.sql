CREATE TABLE labels (
    code int PRIMARY KEY,
    name text UNIQUE
);
-- Added on its own: in CREATE TABLE, PostgreSQL would fold it into the primary key.
ALTER TABLE labels ADD CONSTRAINT labels_code_key UNIQUE (code);
