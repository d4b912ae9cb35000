CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    status text NOT NULL
);
CREATE VIEW processed_files WITH (security_barrier) AS
    SELECT id, path, status FROM files WHERE status = 'processed'
    WITH LOCAL CHECK OPTION;
CREATE VIEW recent_processed_files AS
    SELECT id, path, status FROM processed_files WHERE id > 1000
    WITH CASCADED CHECK OPTION;
