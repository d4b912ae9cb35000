CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
CREATE POLICY files_owner ON files USING (true);
