"""params.yaml: load, validate, and expose as plain frozen values.

Every problem is reported as one ConfigError line naming the key path, e.g.
``params.yaml: tables.identities.through.table: unknown table 'faces'``.
Database-dependent checks (does the table exist?) happen where a connection exists
(momrel.filepkg.source), not here.
"""

from __future__ import annotations

import os
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from momrel.errors import ConfigError
from momrel.vectors import DISTANCES, MAX_VECTOR_SIZE

PARAMS_FILE = "params.yaml"
IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names that become file names inside a package: no separators, no leading dot.
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENV_FILE_RE = re.compile(r"^\.?[A-Za-z0-9_.-]+$")
# A uuid as momrel writes it (lower-case, hyphenated): the only form a package may use.
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
VERSION_RE = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class Environment:
    name: str
    schema: str
    port: int
    env_file: str
    output_dir: Path
    collections: dict[str, str]  # logical name -> Qdrant collection name


@dataclass(frozen=True)
class Registration:
    table: str
    key: str
    status_column: str
    processed_status: str


@dataclass(frozen=True)
class Through:
    table: str
    column: str
    key: str


@dataclass(frozen=True)
class TableRule:
    name: str
    order_by: tuple[str, ...]
    file_column: str | None = None
    through: Through | None = None
    natural_key: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return self.through is not None


@dataclass(frozen=True)
class CollectionRule:
    name: str
    file_uuid_key: str
    vector_size: int
    distance: str


@dataclass(frozen=True)
class FileEntry:
    uuid: str
    version: str


@dataclass(frozen=True)
class SystemEnvironment:
    """How one environment's system package is made and run (schema, port and env file are the
    environment's own, in `environments`)."""

    name: str
    build: str                      # shell command run in the release folder (next issue)
    restart: str                    # shell command run in the release folder (next issue)
    variables: dict[str, str]       # non-secret variables of the env file, in order


@dataclass(frozen=True)
class SystemConfig:
    """params.yaml `system:`: where releases are tagged and what their packages hold."""

    source: Path                    # the Momentry source repository
    release_dir: Path               # {release_dir}/{env}/{version}/ in the content repository
    schema_file: str                # paths inside the source repository, POSIX
    scripts: tuple[str, ...]
    smoke_test: str
    environments: dict[str, SystemEnvironment]
    keep_releases: int = 5          # release folders an upgraded host keeps

    def environment(self, name: str) -> SystemEnvironment:
        if name not in self.environments:
            raise ConfigError(f"params.yaml: system.environments: no environment {name!r} "
                              f"(configured: {', '.join(self.environments)})")
        return self.environments[name]


@dataclass(frozen=True)
class Config:
    root: Path
    schema_file: Path
    release_dir: Path
    source_env: str
    environments: dict[str, Environment]
    registration: Registration
    tables: dict[str, TableRule]
    processors: tuple[str, ...]
    collections: dict[str, CollectionRule]
    files: tuple[FileEntry, ...] = field(default=())
    # Per-statement limits of the migration executor (momrel.schema.apply.Timeouts).
    migration_timeouts: Any = None
    # System packages (params.yaml `system:`); None when the section is absent.
    system: SystemConfig | None = None

    @property
    def params_path(self) -> Path:
        return self.root / PARAMS_FILE

    def env(self, name: str | None = None) -> Environment:
        name = name or self.source_env
        if name not in self.environments:
            raise ConfigError(
                f"unknown environment '{name}' (configured: {', '.join(self.environments)})"
            )
        return self.environments[name]

    def file_entry(self, file_uuid: str) -> FileEntry | None:
        return next((f for f in self.files if f.uuid == file_uuid), None)

    def package_dir(self, file_uuid: str, version: str) -> Path:
        return self.release_dir / file_uuid / version


# ---------------------------------------------------------------- value validators
def normalize_uuid(value: Any, what: str = "uuid") -> str:
    """Canonical lower-case hyphenated form, or a ConfigError-free MomrelError for the CLI."""
    from momrel.errors import MomrelError

    try:
        parsed = uuidlib.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise MomrelError(f"invalid {what}: {value!r} is not a UUID") from None
    if str(parsed) != str(value).strip().lower():
        raise MomrelError(f"invalid {what}: {value!r} (write it as {parsed})")
    return str(parsed)


def check_version(value: Any) -> str:
    from momrel.errors import MomrelError

    text = str(value)
    if not VERSION_RE.fullmatch(text):
        raise MomrelError(f"invalid version: {value!r} (expected MAJOR.MINOR.PATCH, e.g. 1.0.0)")
    return text


# ---------------------------------------------------------------- loading
def find_root(start: Path | None = None) -> Path:
    """The content repository: MOMREL_REPO, or the nearest folder upward holding params.yaml."""
    explicit = os.environ.get("MOMREL_REPO")
    if explicit:
        root = Path(explicit).resolve()
        if not (root / PARAMS_FILE).is_file():
            raise ConfigError(f"MOMREL_REPO={explicit}: no {PARAMS_FILE} there")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder
    raise ConfigError(f"no {PARAMS_FILE} found in {here} or any parent (set MOMREL_REPO)")


def load(root: Path | None = None) -> Config:
    root = root if root is not None else find_root()
    path = root / PARAMS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{PARAMS_FILE}{where}: {problem}") from None
    return parse(raw, root)


def _key_text(key) -> str:
    """A YAML key as shown in messages: as is when plain, else repr (keeps messages one line)."""
    text = str(key)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


class _Reader:
    """Walks the raw YAML keeping the key path for error messages."""

    def __init__(self, data: Any, path: str):
        self.data = data
        self.path = path

    def fail(self, message: str) -> ConfigError:
        where = f"{PARAMS_FILE}: {self.path}" if self.path else PARAMS_FILE
        return ConfigError(f"{where}: {message}")

    def mapping(self, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(self.data, dict):
            raise self.fail(f"expected a mapping, got {type(self.data).__name__}")
        unknown = sorted(set(map(str, self.data)) - allowed)
        if unknown:
            raise self.fail(f"unknown key {_key_text(unknown[0])!r} (allowed: {', '.join(sorted(allowed))})")
        missing = sorted(required - set(self.data))
        if missing:
            raise self.fail(f"missing key '{missing[0]}'")
        return self.data

    def child(self, key: str) -> "_Reader":
        shown = _key_text(key)
        sub = f"{self.path}.{shown}" if self.path else shown
        value = self.data.get(key) if isinstance(self.data, dict) else None
        return _Reader(value, sub)

    def string(self, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(self.data, str) or not self.data:
            raise self.fail(f"expected a non-empty string, got {self.data!r}")
        if pattern and not pattern.fullmatch(self.data):
            raise self.fail(f"{self.data!r} is not a valid {what or 'name'}")
        return self.data

    def identifier(self) -> str:
        return self.string(IDENTIFIER_RE, "SQL identifier")

    def integer(self, low: int, high: int) -> int:
        if isinstance(self.data, bool) or not isinstance(self.data, int):
            raise self.fail(f"expected an integer, got {self.data!r}")
        if not low <= self.data <= high:
            raise self.fail(f"{self.data} is out of range {low}..{high}")
        return self.data

    def identifier_list(self) -> tuple[str, ...]:
        if not isinstance(self.data, list) or not self.data:
            raise self.fail("expected a non-empty list of column names")
        return tuple(_Reader(v, f"{self.path}[{i}]").identifier() for i, v in enumerate(self.data))


TOP_KEYS = {
    "schema_file", "release_dir", "source_env", "environments", "registration", "tables",
    "processors", "collections", "files", "migrations", "system",
}


def parse(raw: Any, root: Path) -> Config:
    top = _Reader(raw, "")
    top.mapping(TOP_KEYS, TOP_KEYS - {"files", "migrations", "system"})

    collections = _parse_collections(top.child("collections"))
    environments = {}
    envs = top.child("environments")
    if not isinstance(envs.data, dict):
        raise envs.fail("expected a mapping of environment names")
    for name in envs.data:
        environments[name] = _parse_environment(envs.child(name), name, root, collections)
    if not environments:
        raise envs.fail("at least one environment is required")

    source_env = top.child("source_env").string()
    if source_env not in environments:
        raise top.child("source_env").fail(f"'{source_env}' is not a configured environment")

    tables = _parse_tables(top.child("tables"))
    registration = _parse_registration(top.child("registration"))
    if registration.table in tables:
        raise top.child("registration").fail("the registration table cannot also be a packaged table")

    processors_reader = top.child("processors")
    if not isinstance(processors_reader.data, list):
        raise processors_reader.fail("expected a list of processor names")
    processors = tuple(
        _Reader(p, f"processors[{i}]").string(FILE_NAME_RE, "processor name")
        for i, p in enumerate(processors_reader.data)
    )
    if len(set(processors)) != len(processors):
        raise processors_reader.fail("duplicate processor name")

    return Config(
        root=root,
        schema_file=root / _repo_relative(top.child("schema_file")),
        release_dir=root / _repo_relative(top.child("release_dir")),
        source_env=source_env,
        environments=environments,
        registration=registration,
        tables=tables,
        processors=processors,
        collections=collections,
        files=_parse_files(top.child("files")),
        migration_timeouts=_parse_migrations(top.child("migrations")),
        system=_parse_system(top.child("system"), root, environments),
    )


def _parse_migrations(reader: _Reader):
    """`migrations: {lock_timeout: 5s, statement_timeout: 15min}`, both optional."""
    from momrel.schema.apply import Timeouts, duration_problem

    if reader.data is None:
        return Timeouts()
    reader.mapping({"lock_timeout", "statement_timeout"})
    values = {}
    for name in reader.data:
        problem = duration_problem(reader.child(name).data)
        if problem:
            raise reader.child(name).fail(problem)
        values[name] = reader.child(name).data.strip()
    return Timeouts(**values)


# Variables an env file gets from the environment itself; params.yaml cannot set them.
RESERVED_VARIABLES = ("DATABASE_SCHEMA", "PORT")
VARIABLE_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _parse_system(reader: _Reader, root: Path, environments: dict[str, Environment]) -> SystemConfig | None:
    """`system:` (optional): the source repository and what a system package holds."""
    if reader.data is None:
        return None
    keys = {"source", "release_dir", "schema_file", "scripts", "smoke_test", "environments"}
    reader.mapping(keys | {"keep_releases"}, keys)
    source = Path(reader.child("source").string())
    scripts_reader = reader.child("scripts")
    if not isinstance(scripts_reader.data, list) or not scripts_reader.data:
        raise scripts_reader.fail("expected a non-empty list of paths in the source repository")
    scripts = tuple(_source_relative(_Reader(item, f"{scripts_reader.path}[{i}]"))
                    for i, item in enumerate(scripts_reader.data))
    if len({Path(s).name for s in scripts}) != len(scripts):
        raise scripts_reader.fail("two scripts have the same file name (a package holds them in one folder)")
    envs = reader.child("environments")
    if not isinstance(envs.data, dict) or not envs.data:
        raise envs.fail("expected a mapping of environment names (dev, prod)")
    system_envs = {}
    for name in envs.data:
        item = envs.child(str(name))
        if name not in environments:
            raise item.fail(f"'{name}' is not a configured environment (environments: "
                            f"{', '.join(environments)})")
        item.mapping({"build", "restart", "variables"}, {"build", "restart"})
        system_envs[name] = SystemEnvironment(
            name=name, build=item.child("build").string(), restart=item.child("restart").string(),
            variables=_parse_variables(item.child("variables")))
    return SystemConfig(
        source=source if source.is_absolute() else root / source,
        release_dir=root / _repo_relative(reader.child("release_dir")),
        schema_file=_source_relative(reader.child("schema_file")),
        scripts=scripts,
        smoke_test=_source_relative(reader.child("smoke_test")),
        environments=system_envs,
        # Two at the least: the current release and the one a rollback returns to.
        keep_releases=reader.child("keep_releases").integer(2, 1000) if "keep_releases" in reader.data else 5,
    )


def _source_relative(reader: _Reader) -> str:
    """A file of the source repository, as git names it (relative, POSIX, no `..`)."""
    text = reader.string()
    parts = Path(text).parts
    if Path(text).is_absolute() or ".." in parts or "\\" in text:
        raise reader.fail(f"{text!r} must be a relative path inside the source repository")
    return Path(text).as_posix()


def _parse_variables(reader: _Reader) -> dict[str, str]:
    """Env-file variables: upper-case names, one-line values (numbers written as strings are
    accepted as numbers too). Whether a value is a secret is decided at build time
    (momrel.syspkg.envfile), where the message can name the package it would have entered."""
    if reader.data is None:
        return {}
    if not isinstance(reader.data, dict):
        raise reader.fail("expected a mapping NAME: value")
    variables = {}
    for name, value in reader.data.items():
        item = reader.child(str(name))
        if not isinstance(name, str) or not VARIABLE_NAME_RE.fullmatch(name):
            raise item.fail("a variable name is upper-case letters, digits and _ (e.g. RUST_LOG)")
        if name in RESERVED_VARIABLES:
            raise item.fail(f"{name} comes from the environment itself (schema, port): remove it here")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise item.fail(f"expected a string or a number, got {value!r}")
        text = str(value)
        if "\n" in text or "\r" in text or "\0" in text:
            raise item.fail("a value is one line")
        variables[name] = text
    return variables


def _repo_relative(reader: _Reader) -> str:
    """A path inside the repository: DVC tracks outputs only there, and git reads files there."""
    text = reader.string()
    parts = Path(text).parts
    if Path(text).is_absolute() or ".." in parts:
        raise reader.fail(f"{text!r} must be a relative path inside the repository")
    return text


def _parse_collections(reader: _Reader) -> dict[str, CollectionRule]:
    if not isinstance(reader.data, dict):
        raise reader.fail("expected a mapping of logical collection names")
    result = {}
    for name in reader.data:
        item = reader.child(str(name))
        _Reader(name, item.path).string(FILE_NAME_RE, "collection name")
        item.mapping({"file_uuid_key", "vectors"}, {"file_uuid_key", "vectors"})
        vectors = item.child("vectors")
        vectors.mapping({"size", "distance"}, {"size", "distance"})
        distance = vectors.child("distance").string()
        if distance not in DISTANCES:
            raise vectors.child("distance").fail(f"'{distance}' is not one of {', '.join(DISTANCES)}")
        result[name] = CollectionRule(
            name=name,
            file_uuid_key=item.child("file_uuid_key").string(),
            vector_size=vectors.child("size").integer(1, MAX_VECTOR_SIZE),
            distance=distance,
        )
    return result


def _parse_environment(reader: _Reader, name: str, root: Path, collections) -> Environment:
    keys = {"schema", "port", "env_file", "output_dir", "collections"}
    reader.mapping(keys, keys)
    mapped = reader.child("collections")
    if not isinstance(mapped.data, dict):
        raise mapped.fail("expected a mapping of logical collection -> Qdrant collection")
    for logical in mapped.data:
        if logical not in collections:
            raise mapped.fail(f"unknown collection '{logical}' (not in collections)")
        mapped.child(logical).string()
    missing = sorted(set(collections) - set(mapped.data))
    if missing:
        raise mapped.fail(f"no Qdrant collection named for '{missing[0]}'")
    output_dir = Path(reader.child("output_dir").string())
    return Environment(
        name=name,
        schema=reader.child("schema").identifier(),
        port=reader.child("port").integer(1, 65535),
        env_file=reader.child("env_file").string(ENV_FILE_RE, "file name"),
        output_dir=output_dir if output_dir.is_absolute() else root / output_dir,
        collections=dict(mapped.data),
    )


def _parse_registration(reader: _Reader) -> Registration:
    keys = {"table", "key", "status_column", "processed_status"}
    reader.mapping(keys, keys)
    return Registration(
        table=reader.child("table").identifier(),
        key=reader.child("key").identifier(),
        status_column=reader.child("status_column").identifier(),
        processed_status=reader.child("processed_status").string(),
    )


def _parse_tables(reader: _Reader) -> dict[str, TableRule]:
    if not isinstance(reader.data, dict) or not reader.data:
        raise reader.fail("expected a non-empty mapping of table names")
    rules: dict[str, TableRule] = {}
    for name in reader.data:
        item = reader.child(str(name))
        _Reader(name, item.path).identifier()
        item.mapping({"file_column", "through", "natural_key", "order_by"}, {"order_by"})
        has_direct, has_through = "file_column" in item.data, "through" in item.data
        if has_direct == has_through:
            raise item.fail("set exactly one of 'file_column' or 'through'")
        through = None
        if has_through:
            t = item.child("through")
            t.mapping({"table", "column", "key"}, {"table", "column", "key"})
            through = Through(t.child("table").identifier(), t.child("column").identifier(),
                              t.child("key").identifier())
        natural_key = item.child("natural_key").identifier_list() if "natural_key" in item.data else ()
        rules[name] = TableRule(
            name=name,
            order_by=item.child("order_by").identifier_list(),
            file_column=item.child("file_column").identifier() if has_direct else None,
            through=through,
            natural_key=natural_key,
        )
    for rule in rules.values():
        if rule.through is None:
            continue
        where = reader.child(rule.name).child("through").child("table")
        parent = rules.get(rule.through.table)
        if parent is None:
            raise where.fail(f"unknown table '{rule.through.table}' (not in tables)")
        if parent.through is not None:
            raise where.fail(f"'{parent.name}' is itself shared; 'through' must name a per-file table")
        if not rule.natural_key:
            raise reader.child(rule.name).fail("a shared table needs a natural_key to merge rows by")
    return rules


def _parse_files(reader: _Reader) -> tuple[FileEntry, ...]:
    if reader.data is None:
        return ()
    if not isinstance(reader.data, list):
        raise reader.fail("expected a list of {uuid, version}")
    entries, seen = [], set()
    for i, item in enumerate(reader.data):
        r = _Reader(item, f"files[{i}]")
        r.mapping({"uuid", "version"}, {"uuid", "version"})
        raw_uuid = r.child("uuid").data
        try:
            file_uuid = normalize_uuid(raw_uuid)
        except Exception:
            raise r.child("uuid").fail(f"{raw_uuid!r} is not a UUID") from None
        version = str(r.child("version").data)
        if not VERSION_RE.fullmatch(version):
            raise r.child("version").fail(f"{version!r} is not a version like 1.0.0")
        if file_uuid in seen:
            raise r.fail(f"file {file_uuid} is listed twice")
        seen.add(file_uuid)
        entries.append(FileEntry(file_uuid, version))
    return tuple(entries)
