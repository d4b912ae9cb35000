CREATE TABLE identities (
    id bigint NOT NULL PRIMARY KEY,
    label text NOT NULL
);
