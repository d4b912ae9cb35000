SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE CONSTRAINT TRIGGER files_status_checked AFTER INSERT OR UPDATE ON public.files DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION files_check_status();

-- hazards: none
COMMENT ON TRIGGER "files_status_checked" ON "files" IS 'checked at commit';

COMMIT;
