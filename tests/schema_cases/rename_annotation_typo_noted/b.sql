CREATE TABLE identities (
    id bigint PRIMARY KEY,
    -- @renamed from=nmae
    display_name text
);
