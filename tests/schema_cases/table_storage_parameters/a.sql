CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL,
    embedding_note text
) WITH (fillfactor = 90);
