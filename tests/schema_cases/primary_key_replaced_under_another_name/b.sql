CREATE TABLE files (
    id bigint NOT NULL,
    path text NOT NULL,
    CONSTRAINT files_id_pkey PRIMARY KEY (id, path)
);
