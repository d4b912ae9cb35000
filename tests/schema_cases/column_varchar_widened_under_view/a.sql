CREATE TABLE identities (
    id bigint PRIMARY KEY,
    label varchar(20) NOT NULL
);
CREATE VIEW identity_labels AS
    SELECT id, upper(label) AS label FROM identities;
