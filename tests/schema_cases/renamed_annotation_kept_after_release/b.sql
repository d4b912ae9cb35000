CREATE TABLE identities (
    id bigint PRIMARY KEY,
    -- @renamed from=name
    display_name text NOT NULL,
    created_at timestamptz DEFAULT now()
);
-- @renamed from=detections
CREATE TABLE face_detections (
    id bigint PRIMARY KEY,
    identity_id bigint REFERENCES identities (id)
);
