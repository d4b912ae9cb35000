-- Same schema, written differently: case, spacing, comments, explicit defaults.
create table FILES
(
  ID         BIGINT      primary key,
  PATH       TEXT        not null unique,
  SIZE_BYTES INT8        check ( size_bytes >= 0 ) -- bytes on disk
);

create index files_size_idx on files using btree (size_bytes) where (size_bytes > 0);

/* a view */
create view BIG_FILES as
select id, path
  from files
 where size_bytes > 1000000;
