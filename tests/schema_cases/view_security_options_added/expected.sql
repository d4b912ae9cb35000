SET search_path TO "public";

-- ===== main transaction
BEGIN;

-- hazards: none
ALTER VIEW "visible_identities" SET ("security_invoker" = 'true', "security_barrier" = 'true');

COMMIT;
