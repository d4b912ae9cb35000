SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE SEQUENCE "export_batch_seq" AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 99999 START WITH 1000 CACHE 1 CYCLE;

-- hazards: none
ALTER SEQUENCE "job_ticket_seq" INCREMENT BY 5 CACHE 10;

COMMIT;
