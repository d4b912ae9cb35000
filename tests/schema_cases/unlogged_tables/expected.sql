SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard table-rewrite: pipeline_events is rewritten to become unlogged
-- hazard access-exclusive-lock: pipeline_events is locked while it is rewritten
-- hazard deletes-data: after a crash pipeline_events is emptied (an unlogged table is not written to the WAL)
ALTER TABLE "pipeline_events" SET UNLOGGED;

-- hazards: none
CREATE UNLOGGED TABLE "pipeline_progress" (
    "file_id" bigint NOT NULL,
    "percent" integer NOT NULL
);

-- hazards: none
ALTER TABLE "pipeline_progress" ADD CONSTRAINT "pipeline_progress_pkey" PRIMARY KEY (file_id);

COMMIT;
