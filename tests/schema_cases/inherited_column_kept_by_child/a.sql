CREATE TABLE timestamped (
    created_at timestamp DEFAULT now(),
    source_file bigint
);
CREATE TABLE pipeline_runs (
    run_id bigint NOT NULL,
    step text
) INHERITS (timestamped);
