SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE OR REPLACE VIEW "failed_files" AS
SELECT id,
    status,
    (id * 2) AS doubled
   FROM files
  WHERE (status = 'failed'::text);

-- hazards: none
ALTER VIEW "processed_files" RESET ("check_option");

-- hazards: none
ALTER VIEW "processed_files" SET ("check_option" = 'cascaded');

COMMIT;
