SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE SCHEMA "audit";

-- hazards: none
CREATE TABLE "audit"."job_events" (
    "id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "audit"."job_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE),
    "job_id" bigint NOT NULL,
    "at" timestamp with time zone DEFAULT now() NOT NULL,
    "event" text NOT NULL
);

-- hazards: none
ALTER TABLE "audit"."job_events" ADD CONSTRAINT "job_events_job_id_fkey" FOREIGN KEY (job_id) REFERENCES jobs(id);

-- hazards: none
ALTER TABLE "audit"."job_events" ADD CONSTRAINT "job_events_pkey" PRIMARY KEY (id);

-- hazards: none
CREATE INDEX job_events_job_idx ON audit.job_events USING btree (job_id, at);

COMMIT;
