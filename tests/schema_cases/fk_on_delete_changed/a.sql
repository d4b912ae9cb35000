CREATE TABLE identities (
    id bigint PRIMARY KEY
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    identity_id bigint REFERENCES identities (id) ON DELETE CASCADE
);
