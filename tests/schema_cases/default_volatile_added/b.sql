CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    file_uuid uuid NOT NULL DEFAULT gen_random_uuid()
);
