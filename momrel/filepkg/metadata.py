"""metadata.json as typed values, every field checked (docs/file-package.md, "metadata.json").

A package is input from outside: each field has a type, names are names, paths are exactly the
layout's. A field that is off is one line naming it (`metadata.json: tables.tkg_nodes.rows:
expected a non-negative integer, got 'abc'`), never a KeyError or TypeError further on.
What the package *proposes* (natural keys, the file uuid key, the sets of tables, collections
and processors) is checked against params.yaml by the importer (momrel.filepkg.fit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from momrel.bundle.members import safe_relative
from momrel.config import FILE_NAME_RE, IDENTIFIER_RE, UUID_RE, VERSION_RE
from momrel.errors import MomrelError, shown
from momrel.filepkg import layout
from momrel.vectors import MAX_VECTOR_SIZE, VectorSpec, specs_problem

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Column names as PostgreSQL allows them (any printable text up to 63 bytes); they reach SQL
# only through psycopg.sql.Identifier and only after the target's catalog confirmed them.
_MAX_NAME_BYTES = 63


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    type: str


@dataclass(frozen=True)
class TableMeta:
    name: str
    path: str
    rows: int
    columns: tuple[ColumnMeta, ...]
    primary_key: tuple[str, ...]
    order_by: tuple[str, ...]
    shared: bool
    natural_key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class CollectionMeta:
    name: str
    path: str
    points: int
    source_collection: str
    file_uuid_key: str
    vectors: tuple[VectorSpec, ...]


@dataclass(frozen=True)
class PackageMetadata:
    file_uuid: str
    version: str
    content_sha256: str
    registration: dict[str, Any]
    tables: dict[str, TableMeta]
    collections: dict[str, CollectionMeta]
    processors: dict[str, str]          # name -> package path

    def paths(self) -> list[str]:
        """Every file the package must hold besides SHA256SUMS."""
        return [layout.METADATA, layout.RELEASE_INFO, layout.DATAPACKAGE,
                *(t.path for t in self.tables.values()),
                *(c.path for c in self.collections.values()),
                *self.processors.values()]


class _Field:
    """A value of metadata.json and its key path, for one-line messages."""

    def __init__(self, value: Any, path: str):
        self.value = value
        self.path = path

    def fail(self, message: str) -> MomrelError:
        return MomrelError(f"{self.path}: {message}" if self.path else message)

    def __getitem__(self, key: str) -> "_Field":
        mapping = self.mapping()
        if key not in mapping:
            raise MomrelError(f"{self.path + '.' if self.path else ''}{key}: missing")
        return _Field(mapping[key], f"{self.path}.{key}" if self.path else key)

    def items(self):
        return [(key, _Field(value, f"{self.path}.{key}")) for key, value in self.mapping().items()]

    def mapping(self) -> dict:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, got {shown(self.value)}")
        return self.value

    def list(self) -> list["_Field"]:
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {shown(self.value)}")
        return [_Field(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def string(self, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(self.value, str) or not self.value:
            raise self.fail(f"expected a non-empty string, got {shown(self.value)}")
        if pattern is not None and not pattern.fullmatch(self.value):
            raise self.fail(f"{self.value!r} is not {what}")
        return self.value

    def name(self) -> str:
        text = self.string()
        if not text.isprintable() or len(text.encode()) > _MAX_NAME_BYTES:
            raise self.fail(f"{text!r} is not a valid name")
        return text

    def layout_path(self, expected: str) -> str:
        """A part's path: it must be exactly where the layout puts it."""
        text = self.string()
        try:
            safe_relative(text, "")
        except MomrelError:
            raise self.fail(f"path {text!r} escapes the package folder") from None
        if text != expected:
            raise self.fail(f"is {text!r}, expected {expected!r}")
        return text

    def names(self) -> tuple[str, ...]:
        items = tuple(item.name() for item in self.list())
        if len(set(items)) != len(items):
            raise self.fail("a name is listed twice")
        return items

    def integer(self, low: int = 0, high: int = 2**63 - 1) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int) \
                or not low <= self.value <= high:
            raise self.fail(f"expected an integer in {low}..{high}, got {shown(self.value)}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {shown(self.value)}")
        return self.value


def parse(data: Any, label: str) -> PackageMetadata:
    """Typed metadata from the parsed JSON of metadata.json (format already checked); a problem
    is one line, `{label}: {key path}: {what is wrong}`."""
    try:
        return _parse(_Field(data, ""))
    except MomrelError as exc:
        raise MomrelError(f"{label}: {exc}") from None


def _parse(root: _Field) -> PackageMetadata:
    tables = {}
    for name, item in root["tables"].items():
        tables[name] = _table(name, item)
    collections = {}
    for name, item in root["collections"].items():
        collections[name] = _collection(name, item)
    processors = {}
    for name, item in root["processors"].items():
        if not FILE_NAME_RE.fullmatch(name):
            raise item.fail("not a valid processor name (letters, digits, '.', '_', '-')")
        processors[name] = item.layout_path(layout.processor_path(name))
    registration = root["registration"].mapping()
    # Descriptive fields: not used to import, but read by people, so they must be what they say.
    root["created_at"].string()
    for key in ("environment", "schema", "registration_table", "registration_key"):
        root["source"][key].string()
    for key in ("name", "version"):
        root["tool"][key].string()
    return PackageMetadata(
        file_uuid=root["file_uuid"].string(UUID_RE, "a lower-case hyphenated UUID"),
        version=root["version"].string(VERSION_RE, "a version like 1.0.0"),
        content_sha256=root["content_sha256"].string(_SHA256_RE, "a sha256 hex digest"),
        registration=registration,
        tables=tables,
        collections=collections,
        processors=processors,
    )


def _table(name: str, item: _Field) -> TableMeta:
    if not IDENTIFIER_RE.fullmatch(name):
        raise item.fail("not a valid table name")
    path = item["path"].layout_path(layout.csv_path(name))
    columns = []
    for column in item["columns"].list():
        columns.append(ColumnMeta(column["name"].name(), column["type"].string()))
    if not columns:
        raise item["columns"].fail("a table needs at least one column")
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise item["columns"].fail("a column is listed twice")
    table = TableMeta(
        name=name, path=path, rows=item["rows"].integer(), columns=tuple(columns),
        primary_key=item["primary_key"].names(), order_by=item["order_by"].names(),
        shared=item["shared"].boolean(), natural_key=item["natural_key"].names())
    for key in ("primary_key", "natural_key"):
        missing = [c for c in getattr(table, key) if c not in names]
        if missing:
            raise item[key].fail(f"column {missing[0]!r} is not among the table's columns")
    return table


def _collection(name: str, item: _Field) -> CollectionMeta:
    if not FILE_NAME_RE.fullmatch(name):
        raise item.fail("not a valid collection name")
    path = item["path"].layout_path(layout.snapshot_path(name))
    specs = []
    for vector in item["vectors"].list():
        distance = vector["distance"].string()
        name_field = vector["name"]
        if not isinstance(name_field.value, str):
            raise name_field.fail(f"expected a string, got {shown(name_field.value)}")
        specs.append(VectorSpec(name_field.value, vector["size"].integer(1, MAX_VECTOR_SIZE), distance))
    problem = specs_problem(specs)
    if problem:
        raise item["vectors"].fail(problem)
    return CollectionMeta(
        name=name, path=path, points=item["points"].integer(),
        source_collection=item["source_collection"].string(),
        file_uuid_key=item["file_uuid_key"].name(), vectors=tuple(specs))
