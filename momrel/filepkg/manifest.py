"""The descriptive files of a package: metadata.json, RELEASE_INFO.txt and a Frictionless
datapackage.json, and the content hash. Formats are documented in docs/file-package.md;
SHA256SUMS is momrel.bundle.sha256sums."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from momrel.bundle import sha256sums, strictjson
from momrel.errors import MomrelError
from momrel.filepkg import layout

# PostgreSQL type -> Frictionless Table Schema type (https://specs.frictionlessdata.io/table-schema/)
_FRICTIONLESS_TYPES = {
    "smallint": "integer", "integer": "integer", "bigint": "integer",
    "real": "number", "double precision": "number", "numeric": "number",
    "boolean": "boolean",
    "text": "string", "uuid": "string",
    "date": "date",
    "timestamp with time zone": "datetime", "timestamp without time zone": "datetime",
    "time without time zone": "time", "time with time zone": "time",
    "json": "any", "jsonb": "any",
}


def _field(column) -> dict:
    pg_type = column.data_type
    base = re.sub(r"\(\d+(,\d+)?\)", "", pg_type).strip()  # timestamp(3) with time zone -> ...
    if pg_type.endswith("[]"):
        kind = "string"  # PostgreSQL array literal, e.g. {1.5,2,3,4}
    elif base in ("character varying", "character"):
        kind = "string"
    else:
        kind = _FRICTIONLESS_TYPES.get(base, "string")
    field = {"name": column.name, "type": kind, "pgType": pg_type}
    if kind in ("datetime", "date", "time"):
        field["format"] = "any"  # PostgreSQL ISO output: 2026-01-01 10:00:00+00
    if pg_type == "uuid":
        field["format"] = "uuid"
    if kind == "boolean":
        field["trueValues"], field["falseValues"] = ["t"], ["f"]  # PostgreSQL's text output
    if column.not_null:
        field["constraints"] = {"required": True}
    return field


def datapackage(file_uuid: str, tables) -> bytes:
    resources = []
    for name, info in tables.items():
        schema = {"fields": [_field(c) for c in info.columns]}
        if info.primary_key:
            schema["primaryKey"] = list(info.primary_key)
        resources.append({
            "name": name,
            "path": layout.csv_path(name),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "header": True, "quoteChar": '"', "doubleQuote": True},
            "schema": schema,
        })
    document = {
        "profile": "tabular-data-package",
        "name": f"momentry-file-{file_uuid}",
        "resources": resources,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def render_metadata(metadata: dict) -> bytes:
    return (json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read_metadata(package: Path) -> dict:
    """metadata.json of a package folder as a dict (format checked, fields not yet typed)."""
    path = package / layout.METADATA
    try:
        with path.open("rb") as f:
            data = strictjson.read_bounded(f.read, layout.MAX_METADATA_BYTES, str(path))
    except FileNotFoundError:
        raise MomrelError(f"{path}: missing") from None
    except OSError as exc:
        raise MomrelError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_metadata_bytes(data, str(path))


def parse_metadata_bytes(data: bytes, label: str) -> dict:
    document = strictjson.loads(data, label)
    layout.PACKAGE_FORMAT.check(document, label)
    return document


def render_release_info(metadata: dict) -> bytes:
    src = metadata["source"]
    lines = [
        "Momentry file content package",
        "",
        f"file_uuid:      {metadata['file_uuid']}",
        f"version:        {metadata['version']}",
        f"filename:       {metadata['registration'].get('filename', '')}",
        f"source:         environment {src['environment']}, schema {src['schema']}",
        f"created_at:     {metadata['created_at']}",
        f"content_sha256: {metadata['content_sha256']}",
        f"tool:           momrel {metadata['tool']['version']}",
        f"format:         {layout.PACKAGE_FORMAT}",
        "",
        "rows:",
    ]
    lines += [f"  {name:<20} {t['rows']:>12,}" for name, t in metadata["tables"].items()]
    lines.append("points:")
    lines += [f"  {name:<20} {c['points']:>12,}  ({c['source_collection']}, "
              f"{'+'.join(str(v['size']) for v in c['vectors'])}-d)"
              for name, c in metadata["collections"].items()]
    lines.append("processors:")
    lines.append("  " + " ".join(metadata["processors"]))
    return ("\n".join(lines) + "\n").encode()


def content_sha256(checksums: dict[str, str], registration: dict) -> str:
    """The package's content hash: its data parts' checksums plus the registration row."""
    digest = hashlib.sha256()
    digest.update(f"{layout.PACKAGE_FORMAT}\n".encode())
    digest.update(sha256sums.render(checksums))  # the data parts' lines of SHA256SUMS
    digest.update(b"registration ")
    digest.update(json.dumps(registration, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def data_checksums(checksums: dict[str, str]) -> dict[str, str]:
    """The checksums the content hash covers: every file but the descriptive ones."""
    descriptive = {layout.METADATA, layout.RELEASE_INFO, layout.CHECKSUMS}
    return {path: digest for path, digest in checksums.items() if path not in descriptive}
