CREATE TABLE files (
    id bigint PRIMARY KEY,
    status text NOT NULL
);
CREATE FUNCTION files_check_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = '' THEN RAISE EXCEPTION 'empty status'; END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER files_status_checked AFTER INSERT OR UPDATE ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION files_check_status();
COMMENT ON TRIGGER files_status_checked ON files IS 'checked at commit';
