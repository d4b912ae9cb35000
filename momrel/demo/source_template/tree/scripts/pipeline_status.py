#!/usr/bin/env python3
"""Which processor outputs exist, per video: `{uuid}.{processor}.json` in the output folder.

    python3 scripts/pipeline_status.py --output-dir DIR [--json] [UUID ...]

Without UUIDs, every video that has at least one output is listed. Exit 0 when every listed
video has every processor's output, 1 when something is missing (so a cron job can alert).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PROCESSORS = ["asr", "asrx", "asr-1", "yolo", "face", "pose", "ocr", "cut", "scene"]


def outputs_by_video(output_dir: Path, processors: list[str], uuids: list[str]) -> dict[str, dict[str, bool]]:
    if not uuids:
        # `{uuid}.{processor}.json`: the uuid is everything before the first dot.
        uuids = sorted({p.name.split(".", 1)[0] for p in output_dir.glob("*.json")})
    return {u: {name: (output_dir / f"{u}.{name}.json").is_file() for name in processors}
            for u in uuids}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("uuids", nargs="*", metavar="UUID", help="videos to show (default: every one found)")
    parser.add_argument("--output-dir", type=Path, required=True, help="folder of the processor JSON files")
    parser.add_argument("--processors", default=",".join(PROCESSORS),
                        help="comma-separated processor names (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if not args.output_dir.is_dir():
        print(f"pipeline_status: {args.output_dir} is not a folder", file=sys.stderr)
        return 2
    processors = [p for p in args.processors.split(",") if p]
    status = outputs_by_video(args.output_dir, processors, args.uuids)
    if args.json:
        print(json.dumps(status, indent=2, sort_keys=True))
    else:
        for uuid, present in status.items():
            missing = [name for name, ok in present.items() if not ok]
            done = len(present) - len(missing)
            print(f"{uuid}  {done}/{len(present)}" + (f"  missing: {', '.join(missing)}" if missing else "  complete"))
    complete = all(all(present.values()) for present in status.values())
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
