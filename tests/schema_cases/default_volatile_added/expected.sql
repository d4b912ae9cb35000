SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard table-rewrite: the default gen_random_uuid() is volatile: every row is rewritten
-- hazard access-exclusive-lock: files is locked while it is rewritten
ALTER TABLE "files" ADD COLUMN "file_uuid" uuid DEFAULT gen_random_uuid() NOT NULL;

COMMIT;
