CREATE TABLE identity_tracks (
    id bigint PRIMARY KEY,
    identity_id bigint NOT NULL,
    file_id bigint NOT NULL,
    during tstzrange NOT NULL
);
