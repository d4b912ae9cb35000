SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard index-build: builds the unique index, blocking writes
-- hazard data-dependent: fails if existing rows violate files_id_key
-- hazard access-exclusive-lock: files is locked while the index builds
ALTER TABLE "files" ADD CONSTRAINT "files_id_key" UNIQUE (id);

-- hazards: none
ALTER TABLE "jobs" DROP CONSTRAINT "jobs_file_id_fkey";

-- hazards: none
ALTER TABLE "files" DROP CONSTRAINT "files_pkey";

-- hazard index-build: builds the primary key index, blocking writes
-- hazard data-dependent: fails if existing rows violate files_pkey
-- hazard access-exclusive-lock: files is locked while the index builds
ALTER TABLE "files" ADD CONSTRAINT "files_pkey" PRIMARY KEY (file_uuid);

-- hazards: none
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_file_id_fkey" FOREIGN KEY (file_id) REFERENCES files(id) NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate jobs_file_id_fkey
ALTER TABLE "jobs" VALIDATE CONSTRAINT "jobs_file_id_fkey";
