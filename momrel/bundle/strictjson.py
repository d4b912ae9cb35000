"""JSON from outside, read strictly: UTF-8, no duplicate keys, no NaN/Infinity, bounded depth.

Python's json module takes the last of two equal keys, so a reviewer reading the first one is
fooled; it accepts `NaN` and `Infinity`, which are not JSON; and it recurses once per nesting
level. Everything a package holds in JSON (metadata.json, snapshot headers and point records,
processor outputs) and a migration file goes through here, so each of those is refused in one
line.
"""

from __future__ import annotations

import json
from typing import Any

from momrel.errors import MomrelError

# Deeper than any document momrel writes or Momentry's processors produce; deep enough that
# PostgreSQL's jsonb (limit: the server's stack) and Qdrant payloads are not the bound.
MAX_DEPTH = 128


class _Refused(ValueError):
    pass


class _Depth:
    """Stands in for a parsed object when only validity matters (large processor outputs):
    the object is dropped as soon as it is checked, only its nesting depth is kept."""

    __slots__ = ("levels",)

    def __init__(self, levels: int):
        self.levels = levels


def _pairs_hook(keep: bool):
    def hook(pairs: list[tuple[str, Any]]):
        keys = set()
        for key, _ in pairs:
            if key in keys:
                raise _Refused(f"duplicate key {key!r}")
            keys.add(key)
        if keep:
            return dict(pairs)
        return _Depth(1 + max((depth(value) for _, value in pairs), default=0))
    return hook


def _refuse_constant(name: str):
    raise _Refused(f"{name} is not JSON")


def _decoder(keep: bool) -> json.JSONDecoder:
    return json.JSONDecoder(object_pairs_hook=_pairs_hook(keep), parse_constant=_refuse_constant)


_DECODERS = {True: _decoder(True), False: _decoder(False)}


def loads(data: bytes, label: str, keep: bool = True, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data`; a problem is one MomrelError line naming `label`.

    With keep=False objects are dropped as soon as they are checked (memory stays near the
    size of the text for large documents) and None is returned.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MomrelError(f"{label}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = _DECODERS[keep].decode(text)
    except RecursionError:
        raise MomrelError(f"{label}: nested more deeply than {max_depth} levels") from None
    except _Refused as exc:
        raise MomrelError(f"{label}: not valid JSON ({exc})") from None
    except ValueError as exc:
        raise MomrelError(f"{label}: not valid JSON ({exc})") from None
    # Each level takes at least two characters: a short text cannot be too deep.
    if len(text) > 2 * max_depth and depth(value) > max_depth:
        raise MomrelError(f"{label}: nested more deeply than {max_depth} levels")
    return value if keep else None


def read_bounded(read, limit: int, label: str) -> bytes:
    """At most `limit` bytes from `read(n)`; more is refused rather than held in memory."""
    data = read(limit + 1)
    if len(data) > limit:
        raise MomrelError(f"{label}: larger than {limit:,} bytes")
    return data


def check_document(read, label: str, limit: int) -> None:
    """A whole document from `read(n)` is strict JSON of at most `limit` bytes (nothing kept)."""
    loads(read_bounded(read, limit, label), label, keep=False)


def depth(value: Any) -> int:
    """Nesting depth of a parsed value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, _Depth):
            deepest = max(deepest, level + item.levels)
            continue
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest
