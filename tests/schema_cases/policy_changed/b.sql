CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    hidden boolean NOT NULL DEFAULT false,
    level bigint NOT NULL DEFAULT 0
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
-- The expression changes: ALTER POLICY.
CREATE POLICY files_visible ON files FOR SELECT USING (NOT hidden AND path <> '');
-- The command changes: dropped and created again.
CREATE POLICY files_writable ON files FOR ALL USING (level < 5);
-- Its column changes type: PostgreSQL refuses that while a policy uses it.
CREATE POLICY files_level ON files FOR SELECT USING (level >= 0);
