SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP TRIGGER "jobs_touch" ON "jobs";

-- hazards: none
CREATE TRIGGER jobs_touch BEFORE UPDATE OF state ON public.jobs FOR EACH ROW WHEN ((old.state IS DISTINCT FROM new.state)) EXECUTE FUNCTION touch_updated_at();

COMMIT;
