"""What the `momrel schema` commands do, minus click: resolve inputs, run, choose the output."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from momrel.errors import MomrelError, UsageError
from momrel.schema.diff import diff
from momrel.schema.render import hazard_summary, render_json, render_markdown, render_sql
from momrel.schema.scratch import ScratchServer
from momrel.schema.source import resolve

SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class HazardsRefused(MomrelError):
    exit_code = 3


def _repository():
    """(root, schema file) of the content repository, or (None, None) outside one."""
    from momrel.config import ConfigError, find_root, load

    try:
        root = find_root()
    except ConfigError:
        return None, None
    config = load(root)
    return root, config.schema_file.relative_to(config.root).as_posix()


def schema_diff(from_spec: str, to_spec: str, target: str, output_format: str, down: bool,
                allow_hazards: bool, scratch_url: str | None, verify: bool) -> str:
    if not SCHEMA_NAME.fullmatch(target):
        raise UsageError(f"--schema {target!r}: expected a lower-case schema name such as dev or public")
    root, schema_file = _repository()
    old = resolve(from_spec, root, schema_file)
    new = resolve(to_spec, root, schema_file)
    with ScratchServer(scratch_url, root) as scratch:
        migration = diff(old, new, target, scratch, down=down, verify=verify)
    if migration.hazardous and not allow_hazards:
        listing = "\n".join(f"  {h.kind}: {s.sql.strip().splitlines()[0]}  ({h.message})"
                            for s in migration.hazardous for h in s.hazards)
        raise HazardsRefused(f"{hazard_summary(migration.statements)} (one per line below); "
                             f"review them and re-run with --allow-hazards:\n{listing}")
    render = {"sql": render_sql, "md": render_markdown, "json": render_json}[output_format]
    return render(migration)


def schema_normalize(path: Path) -> str:
    from momrel.schema.normalize import normalize

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    try:
        return normalize(text)
    except Exception as exc:  # a diff driver must show the file even when it does not parse
        print(f"momrel schema normalize: {path}: printed as is ({exc})", file=sys.stderr)
        return text
