CREATE FUNCTION next_size(n bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT n + 1 $$;
CREATE PROCEDURE purge() LANGUAGE sql AS $$ SELECT 1 $$;
