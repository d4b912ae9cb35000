SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE SEQUENCE "jobs_id_seq" AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE;

-- hazards: none
CREATE TABLE "jobs" (
    "id" integer DEFAULT nextval('jobs_id_seq'::regclass) NOT NULL,
    "file_id" bigint NOT NULL,
    "note" text
);

-- hazards: none
ALTER SEQUENCE "jobs_id_seq" OWNED BY "jobs"."id";

-- hazards: none
GRANT USAGE ON SEQUENCE "jobs_id_seq" TO "momentry_app";

-- hazards: none
GRANT SELECT, INSERT ON TABLE "jobs" TO "momentry_app";

-- hazards: none
ALTER TABLE "files" ADD COLUMN "checksum" text;

-- hazards: none
GRANT UPDATE ("checksum") ON TABLE "files" TO "momentry_app";

-- hazards: none
GRANT SELECT ("id") ON TABLE "jobs" TO "momentry_reader";

-- hazards: none
GRANT SELECT ("note") ON TABLE "jobs" TO "momentry_reader";

-- hazards: none
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_file_id_fkey" FOREIGN KEY (file_id) REFERENCES files(id);

-- hazards: none
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_pkey" PRIMARY KEY (id);

COMMIT;
