"""Fuzz: many malformed packages, each one line and exit 1 or a clean import, never a traceback.

Mutants of the demo package are made by a seeded random generator (the same mutants every
run, so a failure names a reproducible case): bytes flipped, cut or inserted in any file,
metadata.json values replaced by values of other types, snapshot points with odd ids,
payloads and vectors, CSV rows duplicated, dropped or given odd cells, SHA256SUMS lines
duplicated, dropped or pointing elsewhere. Most mutants are re-sealed (checksums and
content_sha256 recomputed) so that the checks behind the checksums are the ones exercised.

Every mutant goes through `verify_package` in this process: it must pass or raise MomrelError
with a one-line message (exit code 1). A sample of the mutants that pass verification (and some that do not)
then goes through `momrel file import` for real: exit 0, or one error line, exit 1 and the whole
target unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from momrel.errors import MomrelError
from momrel.filepkg import layout
from momrel.filepkg.verify import verify_package
from package_support import (full_state, import_args, read_csv, reseal, rewrite_snapshot,
                             snapshot_points, write_csv)
from support import one_line_error

SEED = 20261203
MUTANTS = 240
IMPORTED_SAMPLE = 10

ODD_VALUES = [None, "abc", "", -1, 0, 2**70, 1.5, [], {}, True, "../x", "a/b", "x" * 300,
              [[[[[]]]]], {"a": {"b": {"c": 1}}}, "\x00", "ＡＢＣ"]
ODD_BYTES = [b'"', b",", b"\n", b"\r", b"\x00", b"\xff", b"\\.\n", b"NaN", b"{", b"]", b'""']


def _files(pkg: Path) -> list[str]:
    return sorted(p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file())


def _json_paths(value, prefix=()):
    """Every (path) inside a JSON document below its root."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from _json_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield prefix + (index,)
            yield from _json_paths(child, prefix + (index,))


def _replace(document, path, value):
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def mutate(pkg: Path, rng: random.Random) -> str:
    """Damage `pkg` in one random way; return a description of what was done."""
    kind = rng.choice(["flip", "flip-resealed", "cut", "insert", "metadata", "metadata-delete",
                       "point", "vector", "csv-row", "csv-cell", "checksums"])
    files = [f for f in _files(pkg) if f != layout.CHECKSUMS]
    if kind in ("flip", "flip-resealed", "cut", "insert"):
        relative = rng.choice(files)
        path = pkg / relative
        data = bytearray(path.read_bytes())
        at = rng.randrange(max(len(data), 1))
        if kind.startswith("flip") and data:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "cut":
            del data[at:]
        else:
            data[at:at] = rng.choice(ODD_BYTES)
        path.write_bytes(bytes(data))
        if kind != "flip":
            reseal(pkg)
        return f"{kind} {relative} at {at}"
    if kind in ("metadata", "metadata-delete"):
        document = json.loads((pkg / layout.METADATA).read_text(encoding="utf-8"))
        path = rng.choice([p for p in _json_paths(document) if p[0] != "content_sha256"])
        if kind == "metadata":
            value = rng.choice(ODD_VALUES)

            def change(m):
                _replace(m, path, value)
        else:
            value = "(deleted)"

            def change(m):
                target = m
                for step in path[:-1]:
                    target = target[step]
                del target[path[-1]]
        reseal(pkg, change)
        return f"metadata {'/'.join(map(str, path))} = {value!r}"
    if kind in ("point", "vector"):
        logical = rng.choice(["frames", "sentence_story"])
        _, points = snapshot_points(pkg, logical)
        index = rng.randrange(len(points))
        if kind == "point":
            field = rng.choice(["id", "payload"])
            value = rng.choice(ODD_VALUES + [points[0].id])
            changed = dataclasses.replace(points[index], **{field: value})
        else:
            value = rng.choice([np.nan, np.inf, -np.inf, 3e38, 0.0])
            vectors = {name: v.copy() for name, v in points[index].vectors.items()}
            vectors[""][rng.randrange(vectors[""].size)] = value
            changed = dataclasses.replace(points[index], vectors=vectors)
            field = "vector"
        rewrite_snapshot(pkg, logical, lambda pts: pts[:index] + [changed] + pts[index + 1:])
        return f"{logical} point {index} {field} = {value!r}"
    if kind in ("csv-row", "csv-cell"):
        table = rng.choice(["face_detections", "identities", "tkg_nodes", "tkg_edges"])
        path = pkg / f"{table}.csv"
        rows = read_csv(path)
        row = rng.randrange(1, len(rows))
        if kind == "csv-row":
            if rng.random() < 0.5:
                rows.insert(row, list(rows[row]))
                what = "duplicated"
            else:
                del rows[row]
                what = "dropped"
        else:
            column = rng.randrange(len(rows[0]))
            value = rng.choice(["", "abc", "-1", "1e999", '"q"', "a,b", "{1,2", "null", "\\N",
                                "00000000-0000-0000-0000-000000000000", "99999999999999999999"])
            rows[row][column] = value
            what = f"cell {rows[0][column]} = {value!r}"
        write_csv(path, rows)
        reseal(pkg)
        return f"{table}.csv row {row} {what}"
    sums_path = pkg / layout.CHECKSUMS
    lines = sums_path.read_text(encoding="utf-8").splitlines()
    choice = rng.randrange(3)
    if choice == 0:
        lines.append(rng.choice(lines))
    elif choice == 1:
        del lines[rng.randrange(len(lines))]
    else:
        lines.append(f"{'0' * 64}  {rng.choice(['../x', 'a//b', 'extra.txt', '/etc/passwd'])}")
    sums_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"SHA256SUMS change {choice}"


def test_malformed_packages_are_one_line_errors(seeded_repo, package, tmp_path):
    rng = random.Random(SEED)
    passed, refused = [], []
    for number in range(MUTANTS):
        mutant = tmp_path / f"mutant-{number:03d}"
        shutil.copytree(package, mutant)
        try:
            what = mutate(mutant, rng)
        except (ValueError, KeyError, IndexError, TypeError):
            shutil.rmtree(mutant)  # this mutation does not apply to this package
            continue
        try:
            verify_package(mutant)
        except MomrelError as exc:
            assert "\n" not in str(exc) and exc.exit_code == 1, f"{what}: {exc!r} (exit {exc.exit_code})"
            refused.append((mutant, what))
            continue
        except Exception as exc:  # the point of the test: no other exception may escape
            pytest.fail(f"mutant {number} ({what}): {type(exc).__name__}: {exc}")
        passed.append((mutant, what))
    assert len(refused) > MUTANTS // 2, "too few mutants were refused to be a fuzz test"
    assert passed, "no mutant got past verify: the import sample would be empty"

    print(f"{len(refused)} refused by verify, {len(passed)} passed:", *(w for _, w in passed), sep="\n  ")
    sample = passed[:IMPORTED_SAMPLE] + refused[:2]
    for mutant, what in sample:
        before = full_state(seeded_repo)
        result = seeded_repo.momrel(*import_args(mutant))
        print(what, "->", result.returncode, result.stderr.strip())
        if result.returncode == 0:
            continue
        line = one_line_error(result, 1)
        assert full_state(seeded_repo) == before, f"{what}: the target changed ({line})"


def test_mutants_are_reproducible(package, tmp_path):
    """The same seed gives the same mutants, so a failure above can be replayed."""
    descriptions = []
    for attempt in range(2):
        rng = random.Random(SEED)
        described = []
        for number in range(12):
            mutant = tmp_path / f"{attempt}-{number}"
            shutil.copytree(package, mutant)
            try:
                described.append(mutate(mutant, rng))
            except (ValueError, KeyError, IndexError, TypeError):
                described.append("skipped")
        descriptions.append(described)
    assert descriptions[0] == descriptions[1]

