CREATE TABLE jobs (id int, state text);
