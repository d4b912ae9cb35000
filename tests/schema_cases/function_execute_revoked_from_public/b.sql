CREATE FUNCTION next_size(n bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT n + 1 $$;
REVOKE EXECUTE ON FUNCTION next_size(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION next_size(bigint) TO momentry_app;
CREATE PROCEDURE purge() LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE ALL ON PROCEDURE purge() FROM PUBLIC;
CREATE FUNCTION checksum_of(path text) RETURNS text LANGUAGE sql AS $$ SELECT md5(path) $$;
REVOKE ALL ON FUNCTION checksum_of(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION checksum_of(text) TO momentry_reader;
