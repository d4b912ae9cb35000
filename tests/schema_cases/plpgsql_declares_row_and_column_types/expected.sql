SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TYPE "export_state" AS ENUM ('queued', 'done');

-- hazards: none
CREATE TABLE "exports" (
    "id" bigint NOT NULL,
    "file_id" bigint NOT NULL
);

-- hazard data-dependent: NOT NULL without a default fails if the table has rows
ALTER TABLE "files" ADD COLUMN "path" text NOT NULL;

-- hazards: none
CREATE OR REPLACE FUNCTION public.latest_export_path(wanted bigint)
 RETURNS text
 LANGUAGE plpgsql
AS $function$
DECLARE
    e exports%ROWTYPE;
    p files.path%TYPE;
    batch files[];
    s export_state := 'queued';
BEGIN
    SELECT * INTO e FROM exports WHERE file_id = wanted ORDER BY id DESC LIMIT 1;
    SELECT path INTO p FROM files WHERE id = e.file_id;
    RETURN p;
END
$function$;

-- hazards: none
ALTER TABLE "exports" ADD CONSTRAINT "exports_pkey" PRIMARY KEY (id);

COMMIT;
