SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
GRANT UPDATE, DELETE ON TABLE "files" TO "momentry_app";

-- hazard backward-incompatible: momentry_reader loses SELECT on table public.files
REVOKE SELECT ON TABLE "files" FROM "momentry_reader";

COMMIT;
