SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "priority" DROP DEFAULT;

-- hazard access-exclusive-lock: jobs is locked while the type changes
-- hazard table-rewrite: every row of jobs is rewritten (priority: text → integer)
-- hazard data-dependent: existing values of priority must convert to integer
ALTER TABLE "jobs" ALTER COLUMN "priority" TYPE integer USING "priority"::integer;

-- hazards: none
ALTER TABLE "jobs" ALTER COLUMN "priority" SET DEFAULT 0;

COMMIT;
