"""Which hazards a run allows: `--allow-hazards [KINDS]` (schema diff, system build) and an
annotated tag's `allow-hazards:` line, and the refusal that lists what was not allowed."""

from __future__ import annotations

from momrel.errors import HazardsRefused, UsageError
from momrel.schema.migration import HazardKind, Migration
from momrel.schema.render import hazard_summary

ALL_HAZARDS = frozenset(HazardKind)


def looks_like_hazard_list(word: str) -> bool:
    """Whether the word after a bare `--allow-hazards` is its value (kinds, or `all`) rather
    than the next argument (a ref such as v1): a comma, or a known kind alone."""
    return "," in word or word == "all" or word in {k.value for k in HazardKind}


def allowed_hazards(value: str | bool | None, what: str = "--allow-hazards") -> frozenset[HazardKind]:
    """`--allow-hazards` as given: absent → none, bare or `all` → every kind, else a comma list."""
    if value is None or value is False:
        return frozenset()
    if value is True or value.strip() in ("", "all"):
        return ALL_HAZARDS
    kinds = set()
    for word in value.split(","):
        try:
            kinds.add(HazardKind(word.strip()))
        except ValueError:
            raise UsageError(f"{what}: unknown hazard kind {word.strip()!r}; the kinds are "
                             + ", ".join(k.value for k in HazardKind) + " (or all)") from None
    return frozenset(kinds)


def refuse_unallowed_hazards(migration: Migration, allowed: frozenset[HazardKind]) -> None:
    unallowed = [(s, h) for s in migration.hazardous for h in s.hazards if h.kind not in allowed]
    if not unallowed:
        return
    listing = "\n".join(f"  {h.kind}: {s.first_line}  ({h.message})" for s, h in unallowed)
    kinds = ",".join(sorted({h.kind.value for _, h in unallowed}))
    what = hazard_summary(migration.statements)
    if allowed:
        what += f"; {len(unallowed)} hazard(s) of kinds not allowed"
    raise HazardsRefused(f"{what} (one per line below); review them and re-run with "
                         f"--allow-hazards {kinds} (these kinds) or --allow-hazards (every "
                         f"kind):\n{listing}")
