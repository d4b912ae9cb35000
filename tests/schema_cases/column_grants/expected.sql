SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: momentry_app loses SELECT on table public.files
REVOKE SELECT ON TABLE "files" FROM "momentry_app";

-- hazards: none
GRANT SELECT ("id") ON TABLE "files" TO "momentry_app";

-- hazard backward-incompatible: momentry_reader loses SELECT on column public.files.path
REVOKE SELECT ("path") ON TABLE "files" FROM "momentry_reader";

-- hazards: none
GRANT UPDATE ("path") ON TABLE "files" TO "momentry_reader";

COMMIT;
