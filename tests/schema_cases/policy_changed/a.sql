CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    hidden boolean NOT NULL DEFAULT false,
    level integer NOT NULL DEFAULT 0
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
CREATE POLICY files_visible ON files FOR SELECT USING (NOT hidden);
CREATE POLICY files_writable ON files FOR UPDATE USING (level < 5) WITH CHECK (level < 5);
CREATE POLICY files_level ON files FOR SELECT USING (level >= 0);
