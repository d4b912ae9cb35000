CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);

CREATE TABLE exports (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL
);

CREATE TYPE export_state AS ENUM ('queued', 'done');

-- PostgreSQL resolves each declared type when the function is created, yet records no
-- dependency on exports, files.path, files or export_state.
CREATE FUNCTION latest_export_path(wanted bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    e exports%ROWTYPE;
    p files.path%TYPE;
    batch files[];
    s export_state := 'queued';
BEGIN
    SELECT * INTO e FROM exports WHERE file_id = wanted ORDER BY id DESC LIMIT 1;
    SELECT path INTO p FROM files WHERE id = e.file_id;
    RETURN p;
END
$$;
