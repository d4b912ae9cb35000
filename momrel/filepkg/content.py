"""A package's data parts as byte streams, written by export and only hashed by fingerprint.

Export and fingerprint must agree byte for byte, so both run the same producers: each part
streams into a sink (a file plus a hash, or just a hash). The content hash of a package is the
sha256 over its parts' checksums and its registration row; it is stored in metadata.json and
is what `file list` and the DVC fingerprint stage compare.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from momrel import database, pg, vectors
from momrel.bundle import strictjson
from momrel.config import Config, Environment
from momrel.errors import MomrelError
from momrel.filepkg import layout, manifest, snapshot, source

CHUNK = 1 << 20


class HashingSink:
    """Write-through sink computing sha256 and size; `target` may be None (hash only)."""

    def __init__(self, target=None):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)


@dataclass
class Part:
    path: str
    kind: str                                  # table | processor | snapshot | datapackage
    name: str                                  # table, processor or logical collection name
    produce: Callable[[HashingSink, Callable], int]  # returns rows / points written (0 otherwise)
    specs: tuple = ()                          # snapshot parts: the collection's vectors


@dataclass
class FileContent:
    """Everything read from the source for one file; parts are produced lazily."""

    config: Config
    env: Environment
    file_uuid: str
    registration: dict
    tables: dict[str, source.TableInfo]
    parts: list[Part] = field(default_factory=list)


def gather(config: Config, env: Environment, conn: psycopg.Connection, client,
           file_uuid: str) -> FileContent:
    """Check the file exists and every input is there, then list its parts (nothing read yet).

    `conn` must already be inside a REPEATABLE READ transaction so all tables come from one
    snapshot of the database.
    """
    registration = source.registration_row(conn, config, env.schema, file_uuid)
    if registration is None:
        raise MomrelError(f"file {file_uuid} is not registered in "
                          f"{env.schema}.{config.registration.table}")
    reg = config.registration
    status = registration.get(reg.status_column)
    if status != reg.processed_status:
        raise MomrelError(f"file {file_uuid} has {reg.status_column} {status!r} in "
                          f"{env.schema}.{reg.table}; only {reg.processed_status!r} files are packaged")
    infos = source.describe_tables(conn, config, env.schema)
    for path in processor_files(config, env, file_uuid):
        check_processor_output(path)
    content = FileContent(config, env, file_uuid, registration, infos)

    for name, info in infos.items():
        content.parts.append(Part(layout.csv_path(name), "table", name,
                                  _table_producer(conn, env.schema, info, infos, file_uuid)))
    for name, path in zip(config.processors, processor_files(config, env, file_uuid)):
        content.parts.append(Part(layout.processor_path(name), "processor", name, _file_producer(path)))
    for logical, rule in config.collections.items():
        qdrant_name = env.collections[logical]
        specs = vectors.vector_specs(client, qdrant_name)
        content.parts.append(Part(layout.snapshot_path(logical), "snapshot", logical,
                                  _snapshot_producer(client, logical, qdrant_name, rule.file_uuid_key,
                                                     specs, file_uuid), tuple(specs)))
    content.parts.append(Part(layout.DATAPACKAGE, "datapackage", "datapackage",
                              _bytes_producer(manifest.datapackage(file_uuid, infos))))
    return content


def check_processor_output(path: Path) -> None:
    """Present and valid JSON, by the rules verify applies on a target (momrel.filepkg.strictjson):
    a half-written output is never published, nor one that no target would accept."""
    if not path.is_file():
        raise MomrelError(f"missing processor output: {path}")
    try:
        with path.open("rb") as f:
            strictjson.check_document(f.read, f"processor output {path}",
                                      layout.MAX_PROCESSOR_JSON_BYTES)
    except OSError as exc:
        raise MomrelError(f"processor output {path}: cannot read ({exc.strerror})") from None


def processor_file(env: Environment, file_uuid: str, name: str) -> Path:
    """Where Momentry's processor `name` writes its output for a file: read by export, written
    by import."""
    return env.output_dir / f"{file_uuid}.{name}.json"


def processor_files(config: Config, env: Environment, file_uuid: str) -> list[Path]:
    return [processor_file(env, file_uuid, name) for name in config.processors]


def _table_producer(conn, schema, info, infos, file_uuid):
    def produce(sink: HashingSink, progress) -> int:
        # Counting costs a scan: only worth it when a bar will show the total.
        total = source.count_file_rows(conn, schema, info, infos, file_uuid) if progress.enabled else None
        advance = progress.task(f"{info.rule.name}.csv", total)
        query = psycopg.sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER)").format(
            source.select_file_rows(schema, info, infos))
        with conn.cursor() as cur:
            with cur.copy(query, (file_uuid,)) as copy:
                first = True
                for data in copy:
                    sink.write(data)
                    # The header line is not a row; newlines inside quoted values make
                    # this an estimate, which is all a progress bar needs.
                    advance(bytes(data).count(b"\n") - (1 if first else 0))
                    first = False
            rows = cur.rowcount
        return rows
    return produce


def _bytes_producer(data: bytes):
    def produce(sink: HashingSink, progress) -> int:
        sink.write(data)
        return 0
    return produce


def _file_producer(path: Path):
    def produce(sink: HashingSink, progress) -> int:
        with path.open("rb") as f:
            shutil.copyfileobj(f, sink, CHUNK)
        return 0
    return produce


def _snapshot_producer(client, logical, qdrant_name, key, specs, file_uuid):
    def produce(sink: HashingSink, progress) -> int:
        count = vectors.count_file_points(client, qdrant_name, key, file_uuid)
        header = snapshot.SnapshotHeader(logical, qdrant_name, file_uuid, key, tuple(specs), count)
        advance = progress.task(f"qdrant/{logical}", count)

        def points():
            for point in vectors.iter_file_points(client, qdrant_name, key, file_uuid):
                advance(1)
                yield point
        return snapshot.write(sink, header, points())
    return produce


@contextlib.contextmanager
def open_source(config: Config, env: Environment):
    """(conn, qdrant client) for reading one consistent view of the source environment.

    The connection sits in a REPEATABLE READ, READ ONLY transaction: every table of a package
    comes from the same database snapshot.
    """
    conn = pg.connect(database.database_url(config.root))
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), vectors.open_client(config.root) as client:
            yield conn, client
    finally:
        conn.close()


@dataclass
class ProducedContent:
    checksums: dict[str, str]
    rows: dict[str, int]
    points: dict[str, int]
    content_sha256: str


def produce_all(content: FileContent, open_part: Callable[[str], object], progress) -> ProducedContent:
    """Run every part's producer into the file `open_part(path)` returns (a context manager
    yielding a binary file, or None to hash only)."""
    checksums, rows, points = {}, {}, {}
    for part in content.parts:
        with open_part(part.path) as target:
            sink = HashingSink(target)
            count = part.produce(sink, progress)
        checksums[part.path] = sink.sha256.hexdigest()
        if part.kind == "table":
            rows[part.name] = count
        elif part.kind == "snapshot":
            points[part.name] = count
    return ProducedContent(checksums, rows, points,
                           manifest.content_sha256(checksums, content.registration))
