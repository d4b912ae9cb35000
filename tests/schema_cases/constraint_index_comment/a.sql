CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL UNIQUE
);
COMMENT ON INDEX files_pkey IS 'old words';
