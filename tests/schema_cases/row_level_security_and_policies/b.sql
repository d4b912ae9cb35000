CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    owner_name text NOT NULL DEFAULT current_user,
    hidden boolean NOT NULL DEFAULT false
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY files_visible ON files FOR SELECT USING (NOT hidden);
CREATE POLICY files_own_rows ON files AS RESTRICTIVE FOR INSERT TO PUBLIC
    WITH CHECK (owner_name = current_user);
COMMENT ON POLICY files_visible ON files IS 'hidden files stay hidden';
CREATE TABLE identities (
    id bigint PRIMARY KEY,
    display_name text NOT NULL
);
ALTER TABLE identities ENABLE ROW LEVEL SECURITY;
CREATE POLICY identities_all ON identities USING (id > 0) WITH CHECK (id > 0);
