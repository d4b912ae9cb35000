SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER TABLE "files" DROP CONSTRAINT "files_pk";

-- hazard index-build: builds the primary key index, blocking writes
-- hazard data-dependent: fails if existing rows violate files_id_pkey
-- hazard access-exclusive-lock: files is locked while the index builds
ALTER TABLE "files" ADD CONSTRAINT "files_id_pkey" PRIMARY KEY (id, path);

COMMIT;
