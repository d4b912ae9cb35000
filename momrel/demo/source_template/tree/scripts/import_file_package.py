#!/usr/bin/env python3
"""Import a Momentry file content package on this host: `momrel file import`, with the host's
defaults.

    python3 scripts/import_file_package.py --package DIR [--env prod] [--uuid U | --register-url URL] [...]

Every argument is passed through to `momrel file import`; --env defaults to prod. The momrel
command is `momrel` on PATH, or the MOMREL environment variable (e.g. "python3 -m momrel").
Exits with momrel's exit code.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Other arguments go to `momrel file import` unchanged (see `momrel file import --help`).")
    parser.add_argument("--package", required=True, help="the package folder (release/files/UUID/VERSION)")
    parser.add_argument("--env", default="prod", help="environment to import into (default: %(default)s)")
    args, rest = parser.parse_known_args(argv)
    command = shlex.split(os.environ.get("MOMREL", "momrel"))
    try:
        return subprocess.run([*command, "file", "import", "--package", args.package,
                               "--env", args.env, *rest], check=False).returncode
    except FileNotFoundError:
        print(f"import_file_package: {command[0]} not found: install momrel "
              "or set MOMREL to its command", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
