CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    frame_count bigint NOT NULL DEFAULT 0,
    codec varchar(100)
);
CREATE VIEW long_files AS
    SELECT id, path, frame_count, codec FROM files WHERE frame_count > 10000;
