SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE COLLATION "path_order" (provider = libc, locale = 'C');

-- hazards: none
CREATE COLLATION "posix_split" (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');

-- hazards: none
CREATE TABLE "tkg_nodes" (
    "id" bigint NOT NULL,
    "label" text COLLATE "posix_split"
);

-- hazard access-exclusive-lock: files is locked while the type changes
ALTER TABLE "files" ALTER COLUMN "path" TYPE text COLLATE "path_order" USING "path"::text;

-- hazards: none
ALTER TABLE "tkg_nodes" ADD CONSTRAINT "tkg_nodes_pkey" PRIMARY KEY (id);

-- hazards: none
COMMENT ON COLLATION "path_order" IS 'byte order';

COMMIT;

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazard index-build: builds files_path_idx without blocking writes; if it fails, drop the INVALID index it leaves before running again
CREATE INDEX CONCURRENTLY files_path_idx ON public.files USING btree (path);
