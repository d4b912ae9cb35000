CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL UNIQUE
);
CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label text NOT NULL,
    first_seen_file_id bigint REFERENCES files (id) ON DELETE SET NULL
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    file_id bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    frame integer NOT NULL,
    bbox real[] NOT NULL,
    identity_id bigint REFERENCES identities (id)
);
