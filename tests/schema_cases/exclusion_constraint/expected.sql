SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
CREATE TABLE "job_slots" (
    "id" bigint NOT NULL,
    "during" tstzrange NOT NULL
);

-- hazard index-build: builds the exclusion index, blocking writes
-- hazard data-dependent: fails if existing rows violate identity_tracks_no_overlap
-- hazard access-exclusive-lock: identity_tracks is locked while the index builds
ALTER TABLE "identity_tracks" ADD CONSTRAINT "identity_tracks_no_overlap" EXCLUDE USING gist (during WITH &&);

-- hazards: none
ALTER TABLE "job_slots" ADD CONSTRAINT "job_slots_during_excl" EXCLUDE USING gist (during WITH &&);

-- hazards: none
ALTER TABLE "job_slots" ADD CONSTRAINT "job_slots_pkey" PRIMARY KEY (id);

COMMIT;
