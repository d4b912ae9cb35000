CREATE TABLE files (
    id bigint PRIMARY KEY,
    status text NOT NULL
);
CREATE VIEW processed_files AS
    SELECT id, status FROM files WHERE status = 'processed'
    WITH CASCADED CHECK OPTION;
-- The query grows a column and the option goes: CREATE OR REPLACE names the options it keeps.
CREATE VIEW failed_files AS
    SELECT id, status, id * 2 AS doubled FROM files WHERE status = 'failed';
