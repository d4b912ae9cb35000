CREATE TABLE files (
    id bigint PRIMARY KEY,
    status text NOT NULL
);
CREATE FUNCTION files_check_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = '' THEN RAISE EXCEPTION 'empty status'; END IF;
    RETURN NULL;
END $$;
