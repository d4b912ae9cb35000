"""Verification's verdict: what differs between the catalog a migration produced and the one
it should have produced (the run itself is momrel.schema.apply's, the executor upgrades use).

Two readings are compared: the model's objects, and the wider facts (momrel.schema.facts) that
catch what the model does not hold, so that a gap in the model fails closed.
"""

from __future__ import annotations

from momrel.schema.facts import compare_facts
from momrel.schema.model import Catalog, describe, differing_fields


def compare(actual: Catalog, expected: Catalog) -> list[str]:
    """What differs between two catalogs, one line per object or fact (empty when equal)."""
    problems = []
    for key in sorted(expected.objects.keys() - actual.objects.keys()):
        problems.append(f"missing {describe(key)}")
    for key in sorted(actual.objects.keys() - expected.objects.keys()):
        problems.append(f"unexpected {describe(key)}")
    for key in sorted(actual.objects.keys() & expected.objects.keys()):
        if actual.objects[key] != expected.objects[key]:
            names = ", ".join(differing_fields(actual.objects[key], expected.objects[key]))
            problems.append(f"{describe(key)} differs ({names})")
    if actual.facts and expected.facts:
        problems += compare_facts(actual.facts, expected.facts)
    return problems
