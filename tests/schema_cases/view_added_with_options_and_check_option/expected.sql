SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE VIEW "processed_files" WITH ("security_barrier" = 'true', "check_option" = 'local') AS
SELECT id,
    path,
    status
   FROM files
  WHERE (status = 'processed'::text);

-- hazards: none
CREATE VIEW "recent_processed_files" WITH ("check_option" = 'cascaded') AS
SELECT id,
    path,
    status
   FROM processed_files
  WHERE (id > 1000);

COMMIT;
