SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
GRANT SELECT ON TABLE "files" TO "momentry_app" WITH GRANT OPTION;

-- hazard backward-incompatible: momentry_reader can no longer grant SELECT on table public.files to other roles
REVOKE GRANT OPTION FOR SELECT ON TABLE "files" FROM "momentry_reader";

COMMIT;
