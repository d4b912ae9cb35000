#!/usr/bin/env python3
"""Import a Momentry file content package on this host (the seed's form of `momrel file import`).

    python3 scripts/import_file_package.py --uuid FILE_UUID --package path/ [--env prod]

FILE_UUID is the target uuid (from POST /api/v1/files/register). Ships in system packages.
"""

import sys

from momrel.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--env" not in args and not any(a.startswith("--env=") for a in args):
        args += ["--env", "prod"]
    sys.exit(main(["file", "import", *args]))
