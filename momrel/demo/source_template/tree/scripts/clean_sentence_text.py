#!/usr/bin/env python3
"""Normalise the text of transcript sentences: whitespace, punctuation, capitals.

    python3 scripts/clean_sentence_text.py FILE.json [FILE.json ...]   (each item's "text", in place)
    python3 scripts/clean_sentence_text.py < lines.txt                  (one sentence a line, to stdout)

Runs of whitespace become one space; no space before , . ! ? ; : and one after; repeated
punctuation is cut to one mark (an ellipsis stays); curly quotes become straight; the sentence
starts with a capital and ends with a mark.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def clean_sentence(text: str) -> str:
    text = " ".join(text.translate(QUOTES).split())
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"\.{3,}", "\u2026", text)                 # keep an ellipsis through the next rule
    text = re.sub(r"([,!?;:.])[,!?;:.]+", r"\1", text)
    text = text.replace("\u2026", "...")
    text = re.sub(r"([,!?;:.])(?=[^\s\d.,!?;:\"')])", r"\1 ", text)
    if not text:
        return text
    first = next((i for i, c in enumerate(text) if c.isalpha()), None)
    if first is not None:
        text = text[:first] + text[first].upper() + text[first + 1:]
    return text if text[-1] in ".!?\"')" else text + "."


def clean_file(path: Path) -> int:
    document = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for item in document.get("items", []):
        cleaned = clean_sentence(str(item.get("text", "")))
        changed += cleaned != item.get("text")
        item["text"] = cleaned
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE.json",
                        help="transcripts to clean in place (default: lines on stdin)")
    args = parser.parse_args(argv)
    if not args.files:
        for line in sys.stdin:
            print(clean_sentence(line))
        return 0
    failed = False
    for path in args.files:
        try:
            print(f"{path.name}: {clean_file(path)} sentences cleaned")
        except (OSError, ValueError) as exc:
            print(f"clean_sentence_text: {path}: {exc}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
