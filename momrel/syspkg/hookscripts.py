"""The hook scripts `momrel hooks install --source` writes into the source repository's hooks
folder: POSIX sh, generated here because each one embeds this machine's paths (the Python that
runs momrel, the content repository, the source repository). They live in the repository's
hooks folder, never in a commit.

Every commit, checkout and fetch runs `reference-transaction`, so the script filters in shell
and starts Python only for lines that create a tag. The tag hooks end with `exit 0` whatever
happens: a build problem must never fail `git tag` or `git push` (it is in the build log).
"""

from __future__ import annotations

import shlex
from pathlib import Path

# The header line that marks a hook as ours: install replaces such a hook, and refuses to
# overwrite any other.
MARKER = "installed by momrel hooks install --source; re-run it to update."

_HEADER = """\
#!/bin/sh
# {marker}
# {purpose}
# This file embeds this machine's paths: keep it out of commits.
PYTHON={python}
CONTENT={content}
SOURCE={source}
"""

# Lines `<old> <new> <ref>` that create a tag (old id all zeros, new one not) go on; the rest
# (branch updates, deletions, every commit's HEAD move) stop here without starting Python.
_CREATED_TAGS = """\
created=$(while read -r old new ref rest; do
    case "$ref" in refs/tags/*) ;; *) continue ;; esac
    case "$old" in ''|*[!0]*) continue ;; esac
    case "$new" in *[!0]*) ;; *) continue ;; esac
    printf '%s %s %s\\n' "$old" "$new" "$ref"
done)
[ -n "$created" ] || exit 0
if [ ! -x "$PYTHON" ]; then
    echo "momrel hook: $PYTHON is missing: tags are not built (re-run momrel hooks install --source)" >&2
    exit 0
fi
printf '%s\\n' "$created" | "$PYTHON" -P -m momrel hooks {command} --repo "$CONTENT" --source "$SOURCE"
exit 0
"""

_BODIES = {
    "reference-transaction": (
        "On the committed creation of a release tag, queue its system package build "
        "(prod for vX.Y.Z, dev for pre-releases).",
        '[ "$1" = committed ] || exit 0\n' + _CREATED_TAGS.replace("{command}", "reference-transaction")),
    "post-receive": (
        "Central (bare) repository: queue the system package build of each pushed release tag.",
        _CREATED_TAGS.replace("{command}", "post-receive")),
    "pre-commit": (
        "When the schema file is staged, it must parse and its migration from HEAD must verify.",
        """\
if [ ! -x "$PYTHON" ]; then
    echo "momrel hook: $PYTHON is missing: the schema is not checked (re-run momrel hooks install --source)" >&2
    exit 0
fi
# The content repository's params.yaml names the schema file (system.schema_file).
if [ -f "$CONTENT/params.yaml" ]; then
    MOMREL_REPO=$CONTENT
    export MOMREL_REPO
fi
# Hooks run at the top of the work tree being committed (a linked worktree too): its index is
# the one to check, so --source is not the embedded path.
exec "$PYTHON" -P -m momrel schema check-staged
"""),
}

TAG_HOOKS = ("reference-transaction", "post-receive")
HOOK_NAMES = tuple(_BODIES)


def render(name: str, python: Path, content: Path, source: Path) -> str:
    """The script of hook `name` with its paths quoted for sh."""
    purpose, body = _BODIES[name]
    return _HEADER.format(marker=MARKER, purpose=purpose, python=shlex.quote(str(python)),
                          content=shlex.quote(str(content)), source=shlex.quote(str(source))) + body


def is_ours(path: Path) -> bool:
    """Whether the hook at `path` was written by momrel (its header says so)."""
    try:
        with open(path, "rb") as script:
            head = script.read(512)
    except OSError:
        return False
    return MARKER.encode() in head
