CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    file_id bigint
);
CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL
);
ALTER TABLE jobs ADD CONSTRAINT jobs_file_fk FOREIGN KEY (file_id) REFERENCES files (id);
CREATE INDEX jobs_kind_idx ON jobs (kind);
CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE VIEW job_files AS SELECT j.id, f.path FROM jobs j JOIN files f ON f.id = j.file_id;
