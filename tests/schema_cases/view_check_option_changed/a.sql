CREATE TABLE files (
    id bigint PRIMARY KEY,
    status text NOT NULL
);
CREATE VIEW processed_files AS
    SELECT id, status FROM files WHERE status = 'processed'
    WITH LOCAL CHECK OPTION;
CREATE VIEW failed_files WITH (security_invoker = true) AS
    SELECT id, status FROM files WHERE status = 'failed';
