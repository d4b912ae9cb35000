SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: queries on events no longer see the rows of audit_events
ALTER TABLE "audit_events" NO INHERIT "events";

-- hazards: none
ALTER TABLE "login_events" INHERIT "events";

COMMIT;
