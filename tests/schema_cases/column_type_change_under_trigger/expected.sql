SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP TRIGGER "jobs_touch" ON "jobs";

-- hazard access-exclusive-lock: jobs is locked while the type changes
ALTER TABLE "jobs" ALTER COLUMN "state" TYPE text USING "state"::text;

-- hazards: none
CREATE TRIGGER jobs_touch BEFORE UPDATE OF state ON public.jobs FOR EACH ROW WHEN ((old.state IS DISTINCT FROM new.state)) EXECUTE FUNCTION touch_updated_at();

COMMIT;
