-- Paths sort byte by byte, whatever the server's locale.
CREATE COLLATION path_order (provider = libc, locale = 'C');
COMMENT ON COLLATION path_order IS 'byte order';
CREATE COLLATION posix_split (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text COLLATE path_order NOT NULL
);
CREATE TABLE tkg_nodes (
    id bigint PRIMARY KEY,
    label text COLLATE posix_split
);
CREATE INDEX files_path_idx ON files (path COLLATE path_order);
