CREATE TABLE jobs (
    id serial PRIMARY KEY,
    kind text NOT NULL
);
