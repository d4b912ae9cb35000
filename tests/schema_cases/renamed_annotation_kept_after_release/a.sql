CREATE TABLE identities (
    id bigint PRIMARY KEY,
    display_name text NOT NULL
);
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    identity_id bigint REFERENCES identities (id)
);
