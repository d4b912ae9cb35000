#!/usr/bin/env python3
"""Apply reviewed corrections to a transcript (`{uuid}.asr-1.json`, in place).

    python3 scripts/apply_asr_corrections.py --output-dir DIR --corrections FILE.json UUID

The corrections file is JSON:

    {"sentences": [{"index": 2, "text": "The corrected sentence."}],
     "words": {"momentree": "Momentry"}}

`sentences` replace a sentence's whole text (by its index in the transcript); `words` replace
whole words everywhere, case-sensitively. A correction for a sentence that does not exist fails
the run and changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path


class CorrectionError(Exception):
    pass


def apply_corrections(document: dict, corrections: dict) -> int:
    """Corrects `document` in place; how many sentences changed."""
    items = document.get("items", [])
    before = [item.get("text", "") for item in items]
    for fix in corrections.get("sentences", []):
        index = fix.get("index")
        if not isinstance(index, int) or not 0 <= index < len(items):
            raise CorrectionError(f"sentence {index!r} does not exist (the transcript has {len(items)})")
        items[index]["text"] = str(fix["text"])
    for wrong, right in corrections.get("words", {}).items():
        pattern = re.compile(rf"\b{re.escape(wrong)}\b")
        for item in items:
            item["text"] = pattern.sub(right, item.get("text", ""))
    changed = sum(1 for old, item in zip(before, items) if old != item.get("text", ""))
    document["corrections_applied"] = document.get("corrections_applied", 0) + changed
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("uuid", metavar="UUID")
    parser.add_argument("--output-dir", type=Path, required=True, help="folder of the processor JSON files")
    parser.add_argument("--corrections", type=Path, required=True, help="the corrections JSON file")
    args = parser.parse_args(argv)
    path = args.output_dir / f"{args.uuid}.asr-1.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        corrections = json.loads(args.corrections.read_text(encoding="utf-8"))
        changed = apply_corrections(document, corrections)
    except (OSError, ValueError, CorrectionError) as exc:
        print(f"apply_asr_corrections: {exc}", file=sys.stderr)
        return 1
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    print(f"{args.uuid}: {changed} sentences corrected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
