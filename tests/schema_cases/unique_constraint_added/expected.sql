SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard index-build: builds the unique index, blocking writes
-- hazard data-dependent: fails if existing rows violate files_sha256_key
-- hazard access-exclusive-lock: files is locked while the index builds
ALTER TABLE "files" ADD CONSTRAINT "files_sha256_key" UNIQUE (sha256);

COMMIT;
