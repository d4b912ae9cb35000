SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "upload_events" (
    "file_id" bigint NOT NULL,
    "bytes" bigint
) INHERITS ("events");

-- hazard deletes-data: all rows of login_events are deleted
-- hazard backward-incompatible: table login_events disappears
DROP TABLE "login_events";

COMMIT;
