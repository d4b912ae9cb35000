CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL UNIQUE
);
COMMENT ON INDEX files_pkey IS 'looked up by every import';
COMMENT ON INDEX files_path_key IS 'one file per path';
CREATE TABLE identities (
    id bigint PRIMARY KEY
);
COMMENT ON INDEX identities_pkey IS 'created with its comment';
