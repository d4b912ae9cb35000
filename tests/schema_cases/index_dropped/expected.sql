SET search_path TO "public";

-- ===== outside a transaction, one statement at a time (PostgreSQL requires it); re-running the script after a failure here is safe only from this point

-- hazards: none
DROP INDEX CONCURRENTLY "jobs_state_idx";
