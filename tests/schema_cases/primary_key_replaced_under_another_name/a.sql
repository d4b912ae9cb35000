CREATE TABLE files (
    id bigint NOT NULL,
    path text NOT NULL,
    CONSTRAINT files_pk PRIMARY KEY (id)
);
