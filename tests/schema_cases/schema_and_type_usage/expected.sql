SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
GRANT USAGE, CREATE ON SCHEMA "reporting" TO "momentry_app";

-- hazards: none
GRANT USAGE ON SCHEMA "reporting" TO "momentry_reader";

-- hazard backward-incompatible: PUBLIC (every role) loses USAGE on enum public.job_state
REVOKE USAGE ON TYPE "job_state" FROM PUBLIC;

-- hazards: none
GRANT USAGE ON TYPE "job_state" TO "momentry_app";

-- hazards: none
GRANT SELECT ON TABLE "reporting"."daily" TO "momentry_reader";

COMMIT;
