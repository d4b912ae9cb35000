SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
GRANT SELECT, UPDATE ON SEQUENCE "ticket_numbers" TO "momentry_app";

-- hazard backward-incompatible: momentry_reader loses SELECT on sequence public.ticket_numbers
REVOKE SELECT ON SEQUENCE "ticket_numbers" FROM "momentry_reader";

COMMIT;
