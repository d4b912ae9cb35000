CREATE TABLE keep (id int);
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    seq serial,
    note text
);
