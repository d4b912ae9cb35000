SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TYPE "job_priority" AS ENUM ('low', 'normal', 'high');

-- hazards: none
ALTER TABLE "jobs" ADD COLUMN "priority" job_priority DEFAULT 'normal'::job_priority NOT NULL;

COMMIT;
