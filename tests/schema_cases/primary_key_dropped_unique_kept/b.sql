CREATE TABLE labels (
    code int,
    name text UNIQUE
);
ALTER TABLE labels ADD CONSTRAINT labels_code_key UNIQUE (code);
