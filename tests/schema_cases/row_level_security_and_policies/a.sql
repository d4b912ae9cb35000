CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    owner_name text NOT NULL DEFAULT current_user,
    hidden boolean NOT NULL DEFAULT false
);
