#!/usr/bin/env python3
"""Make the first-pass transcript `{uuid}.asr-1.json` from the raw ASR output `{uuid}.asr.json`.

    python3 scripts/generate_asr1.py --output-dir DIR UUID [UUID ...]

Segments are put in time order, their text has its whitespace collapsed, empty ones are
dropped, and consecutive segments of the same speaker closer than --merge-gap seconds become
one sentence. The file is written beside a temporary copy and renamed, so a reader never sees
half of it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def first_pass(segments: list[dict], merge_gap: float) -> list[dict]:
    sentences: list[dict] = []
    for segment in sorted(segments, key=lambda s: (s["start"], s["end"])):
        text = " ".join(str(segment.get("text", "")).split())
        if not text:
            continue
        last = sentences[-1] if sentences else None
        if (last is not None and last.get("speaker") == segment.get("speaker")
                and segment["start"] - last["end"] < merge_gap):
            last["text"] += " " + text
            last["end"] = max(last["end"], segment["end"])
            continue
        sentences.append({"start": segment["start"], "end": segment["end"], "text": text,
                          "speaker": segment.get("speaker")})
    return sentences


def write_json(path: Path, document: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def generate(output_dir: Path, uuid: str, merge_gap: float) -> int:
    source = output_dir / f"{uuid}.asr.json"
    document = json.loads(source.read_text(encoding="utf-8"))
    sentences = first_pass(document.get("items", []), merge_gap)
    write_json(output_dir / f"{uuid}.asr-1.json",
               {"file_uuid": uuid, "processor": "asr-1", "source": "asr",
                "version": "asr-1/1", "items": sentences})
    return len(sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("uuids", nargs="+", metavar="UUID")
    parser.add_argument("--output-dir", type=Path, required=True, help="folder of the processor JSON files")
    parser.add_argument("--merge-gap", type=float, default=0.3,
                        help="merge same-speaker segments closer than this many seconds (default: %(default)s)")
    args = parser.parse_args(argv)
    failed = False
    for uuid in args.uuids:
        try:
            count = generate(args.output_dir, uuid, args.merge_gap)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"generate_asr1: {uuid}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{uuid}: {count} sentences -> {uuid}.asr-1.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
