CREATE TABLE identity_tracks (
    id bigint PRIMARY KEY,
    identity_id bigint NOT NULL,
    file_id bigint NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT identity_tracks_no_overlap EXCLUDE USING gist (during WITH &&)
);
CREATE TABLE job_slots (
    id bigint PRIMARY KEY,
    during tstzrange NOT NULL,
    EXCLUDE USING gist (during WITH &&)
);
