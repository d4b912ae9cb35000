SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
GRANT SELECT ON TABLE "file_counts" TO PUBLIC;

-- hazard backward-incompatible: momentry_reader loses SELECT on view public.file_counts
REVOKE SELECT ON TABLE "file_counts" FROM "momentry_reader";

-- hazards: none
GRANT SELECT ON TABLE "file_paths" TO PUBLIC;

COMMIT;
