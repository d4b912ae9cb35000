"""Packaging primitives: what every kind of package needs and none of them owns.

A file content package (momrel.filepkg) uses them today; system packages
(release/system/{env}/{version}/) will. Nothing here knows what a package holds: no tables,
snapshots or processors, only files, folders, checksums and format stamps.

atomic      a file replaced atomically (temporary file beside it, then a rename)
publish     a folder built in a hidden sibling, then published by a rename
sha256sums  SHA256SUMS: hashing files, writing and reading the `sha256sum -c` format
members     reading a package folder from outside: safe relative paths, regular files only,
            never through a link
formats     the `format` / `format_version` stamp of a JSON document, written and checked
strictjson  JSON read strictly: UTF-8, no duplicate keys, no NaN/Infinity, bounded depth and size
"""

# Files are read, copied and hashed in blocks of this size.
CHUNK = 1 << 20
