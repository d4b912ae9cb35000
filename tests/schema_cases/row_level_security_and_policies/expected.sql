SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazard backward-incompatible: roles without a policy on files see and change none of its rows
ALTER TABLE "files" ENABLE ROW LEVEL SECURITY;

-- hazard backward-incompatible: the owner of files is subject to its policies too
ALTER TABLE "files" FORCE ROW LEVEL SECURITY;

-- hazards: none
CREATE TABLE "identities" (
    "id" bigint NOT NULL,
    "display_name" text NOT NULL
);

-- hazard backward-incompatible: roles without a policy on identities see and change none of its rows
ALTER TABLE "identities" ENABLE ROW LEVEL SECURITY;

-- hazards: none
ALTER TABLE "identities" ADD CONSTRAINT "identities_pkey" PRIMARY KEY (id);

-- hazards: none
CREATE POLICY "files_own_rows" ON "files" AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK ((owner_name = CURRENT_USER));

-- hazards: none
CREATE POLICY "files_visible" ON "files" AS PERMISSIVE FOR SELECT TO PUBLIC USING ((NOT hidden));

-- hazards: none
CREATE POLICY "identities_all" ON "identities" AS PERMISSIVE FOR ALL TO PUBLIC USING ((id > 0)) WITH CHECK ((id > 0));

-- hazards: none
COMMENT ON POLICY "files_visible" ON "files" IS 'hidden files stay hidden';

COMMIT;
