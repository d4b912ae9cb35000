CREATE TABLE keep (id int);
CREATE TABLE a_gone (y int);
CREATE FUNCTION z_reader() RETURNS SETOF int LANGUAGE sql AS $$ SELECT y FROM a_gone $$;
