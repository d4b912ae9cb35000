"""Verification's verdict: what differs between the catalog a migration produced and the one
it should have produced (the run itself is momrel.schema.apply's, the executor upgrades use)."""

from __future__ import annotations

from momrel.schema.model import Catalog, describe, differing_fields


def compare(actual: Catalog, expected: Catalog) -> list[str]:
    """What differs between two catalogs, one line per object (empty when equal)."""
    problems = []
    for key in sorted(expected.objects.keys() - actual.objects.keys()):
        problems.append(f"missing {describe(key)}")
    for key in sorted(actual.objects.keys() - expected.objects.keys()):
        problems.append(f"unexpected {describe(key)}")
    for key in sorted(actual.objects.keys() & expected.objects.keys()):
        if actual.objects[key] != expected.objects[key]:
            names = ", ".join(differing_fields(actual.objects[key], expected.objects[key]))
            problems.append(f"{describe(key)} differs ({names})")
    return problems
