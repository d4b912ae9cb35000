-- source_file leaves the base table, but pipeline_runs keeps it as its own column.
CREATE TABLE timestamped (
    created_at timestamp DEFAULT now()
);
CREATE TABLE pipeline_runs (
    run_id bigint NOT NULL,
    step text
) INHERITS (timestamped);
ALTER TABLE pipeline_runs ADD COLUMN source_file bigint;
