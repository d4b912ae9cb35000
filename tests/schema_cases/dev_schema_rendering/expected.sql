SET search_path TO "dev";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE FUNCTION dev.touch_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$function$;

-- hazards: none
CREATE TABLE "files" (
    "id" bigint NOT NULL,
    "path" text NOT NULL
);

-- hazards: none
ALTER TABLE "jobs" ADD COLUMN "file_id" bigint;

-- hazards: none
ALTER TABLE "files" ADD CONSTRAINT "files_pkey" PRIMARY KEY (id);

-- hazards: none
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_file_fk" FOREIGN KEY (file_id) REFERENCES files(id) NOT VALID;

-- hazards: none
CREATE VIEW "job_files" AS
SELECT j.id,
    f.path
   FROM (jobs j
     JOIN files f ON ((f.id = j.file_id)));

-- hazards: none
CREATE TRIGGER jobs_touch BEFORE UPDATE ON dev.jobs FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate jobs_file_fk
ALTER TABLE "jobs" VALIDATE CONSTRAINT "jobs_file_fk";

-- hazard index-build: builds jobs_kind_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY jobs_kind_idx ON dev.jobs USING btree (kind);
