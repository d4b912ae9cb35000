SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: policy files_visible on files changes which rows its roles see or write
ALTER POLICY "files_visible" ON "files" TO PUBLIC USING (((NOT hidden) AND (path <> ''::text)));

-- hazards: none
DROP POLICY "files_level" ON "files";

-- hazards: none
DROP POLICY "files_writable" ON "files";

-- hazard access-exclusive-lock: files is locked while the type changes
-- hazard table-rewrite: every row of files is rewritten (level: integer → bigint)
ALTER TABLE "files" ALTER COLUMN "level" TYPE bigint USING "level"::bigint;

-- hazards: none
CREATE POLICY "files_level" ON "files" AS PERMISSIVE FOR SELECT TO PUBLIC USING ((level >= 0));

-- hazards: none
CREATE POLICY "files_writable" ON "files" AS PERMISSIVE FOR ALL TO PUBLIC USING ((level < 5));

COMMIT;
