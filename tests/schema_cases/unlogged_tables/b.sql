-- Events can be replayed: losing them in a crash is fine, writing them fast matters more.
CREATE UNLOGGED TABLE pipeline_events (
    id bigint PRIMARY KEY,
    message text NOT NULL
);
CREATE UNLOGGED TABLE pipeline_progress (
    file_id bigint PRIMARY KEY,
    percent integer NOT NULL
);
