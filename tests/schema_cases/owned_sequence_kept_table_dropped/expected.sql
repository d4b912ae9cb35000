SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER SEQUENCE "ticket_numbers" OWNED BY NONE;

-- hazard table-rewrite: the default nextval('ticket_numbers'::regclass) is volatile: every row is rewritten
-- hazard access-exclusive-lock: desks is locked while it is rewritten
ALTER TABLE "desks" ADD COLUMN "next_ticket" bigint DEFAULT nextval('ticket_numbers'::regclass);

-- hazard deletes-data: all rows of tickets are deleted
-- hazard backward-incompatible: table tickets disappears
DROP TABLE "tickets";

COMMIT;
