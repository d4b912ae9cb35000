SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
DROP VIEW "long_files";

-- hazard access-exclusive-lock: files is locked while the type changes
-- hazard table-rewrite: every row of files is rewritten (frame_count: integer → bigint)
ALTER TABLE "files" ALTER COLUMN "codec" TYPE character varying(100) USING "codec"::character varying(100),
    ALTER COLUMN "frame_count" TYPE bigint USING "frame_count"::bigint;

-- hazards: none
CREATE VIEW "long_files" AS
SELECT id,
    path,
    frame_count,
    codec
   FROM files
  WHERE (frame_count > 10000);

COMMIT;
