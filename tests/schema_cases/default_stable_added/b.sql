CREATE TABLE files (
    id bigint PRIMARY KEY,
    path text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL DEFAULT 'ingest'
);
