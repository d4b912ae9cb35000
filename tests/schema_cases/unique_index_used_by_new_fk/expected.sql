SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard index-build: builds files_sha256_idx while blocking writes to files
-- hazard data-dependent: fails if existing rows hold duplicates for files_sha256_idx
CREATE UNIQUE INDEX files_sha256_idx ON public.files USING btree (sha256);

-- hazards: none
ALTER TABLE "file_exports" ADD CONSTRAINT "file_exports_file_sha256_fkey" FOREIGN KEY (file_sha256) REFERENCES files(sha256) NOT VALID;

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard data-dependent: fails if existing rows violate file_exports_file_sha256_fkey
ALTER TABLE "file_exports" VALIDATE CONSTRAINT "file_exports_file_sha256_fkey";
