-- @renamed from=people
CREATE TABLE persons (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    born date
);
CREATE INDEX persons_born_idx ON persons (born);
CREATE TABLE pets (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES persons (id)
);
