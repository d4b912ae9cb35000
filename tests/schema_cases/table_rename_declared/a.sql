CREATE TABLE people (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    born date
);
CREATE INDEX people_born_idx ON people (born);
CREATE TABLE pets (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES people (id)
);
