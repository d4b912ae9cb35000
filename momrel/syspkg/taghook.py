"""The tag makes the package: what the source repository's hooks do with the ref updates git
gives them, minus click and shell.

git has no post-tag hook. `reference-transaction` (and `post-receive` in a central repository)
gets lines `<old> <new> <ref>`; a created tag is `0…0 → id`. Those lines are not only new tags:
`git pack-refs --all`, `git gc` and `git fetch` replay `0…0 → id` for refs that already exist.
A "seen" record in the content repository (`<id> <tag>` lines) tells them apart: a tag is built
once per id, and installing the hooks records every tag already there, so old tags are never
built. A build takes minutes and `git tag` must return at once, so the hook only decides and
records; one detached worker (`momrel hooks build-tags`) builds, one content repository at a
time, and logs to `.momrel/system-hook/build.log`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from momrel.config import PARAMS_FILE
from momrel.errors import MomrelError
from momrel.gitrepo import Version, open_repository

HOOK_DIR = Path(".momrel") / "system-hook"      # in the content repository
SEEN_FILE = "seen-tags"
BUILD_LOG = "build.log"
BUILD_LOCK = "build.lock"

TAG_PREFIX = "refs/tags/"
# sha1 or sha256 object ids, as git prints them.
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

# Variables git sets for a hook that point git at the hook's repository (`git rev-parse
# --local-env-vars`). The worker runs git in other folders: inherited, they would aim every
# command there at the wrong repository or index.
_GIT_LOCAL_ENV = ("GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
                  "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
                  "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
                  "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
                  "GIT_SHALLOW_FILE", "GIT_COMMON_DIR", "GIT_QUARANTINE_PATH")


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str


@dataclass(frozen=True)
class QueuedBuild:
    tag: str
    env: str        # the system environment the package is for: prod or dev


def _is_zero(object_id: str) -> bool:
    return set(object_id) == {"0"}


def parse_ref_updates(text: str) -> list[RefUpdate]:
    """The `<old> <new> <ref>` lines git gives a hook; anything else is ignored (the hook must
    never fail git over a line it does not understand)."""
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, ref = parts
        if _OBJECT_ID.fullmatch(old) and _OBJECT_ID.fullmatch(new) and len(old) == len(new):
            updates.append(RefUpdate(old, new, ref))
    return updates


def created_release_tags(updates: list[RefUpdate]) -> list[tuple[str, str]]:
    """(tag, id) of each release tag the updates create. Deletions, branch updates and tags
    that are not versions are left out; an annotated tag's id is its tag object's, as given."""
    created = []
    for update in updates:
        if not update.ref.startswith(TAG_PREFIX) or not _is_zero(update.old) or _is_zero(update.new):
            continue
        tag = update.ref[len(TAG_PREFIX):]
        if Version.parse(tag) is not None and (tag, update.new) not in created:
            created.append((tag, update.new))
    return created


def environment_of(tag: str) -> str:
    """prod for a final version (v1.4.0), dev for a pre-release (v1.4.0-dev.1)."""
    version = Version.parse(tag)
    if version is None:
        raise MomrelError(f"{tag}: not a release tag (a tag such as v1.4.0)")
    return "dev" if version.is_prerelease else "prod"


# ---------------------------------------------------------------- files in the content repository
def hook_folder(content_root: Path) -> Path:
    folder = Path(content_root) / HOOK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_log(content_root: Path) -> Path:
    return Path(content_root) / HOOK_DIR / BUILD_LOG


def log_line(content_root: Path, line: str) -> None:
    """One line appended to the build log in one write (hooks and the worker share it)."""
    with open(hook_folder(content_root) / BUILD_LOG, "a", encoding="utf-8") as log:
        log.write(line.rstrip("\n") + "\n")


@contextlib.contextmanager
def _locked_seen(content_root: Path):
    """The seen record, open and exclusively locked: two hooks at once (a push of many tags
    runs one per ref transaction) must not both find a tag new."""
    with open(hook_folder(content_root) / SEEN_FILE, "a+", encoding="utf-8") as record:
        fcntl.flock(record, fcntl.LOCK_EX)
        record.seek(0)
        seen = set()
        for line in record.read().splitlines():
            object_id, _, tag = line.partition(" ")
            if tag:
                seen.add((tag, object_id))
        yield record, seen


def _record(record, pairs: list[tuple[str, str]]) -> None:
    record.seek(0, os.SEEK_END)
    record.write("".join(f"{object_id} {tag}\n" for tag, object_id in pairs))
    record.flush()
    os.fsync(record.fileno())


def seed_seen(content_root: Path, source: Path) -> int:
    """Record every current tag of the source repository as seen (installing the hooks never
    builds an old tag); how many were new to the record."""
    tags = open_repository(source, allow_bare=True).tag_ids()
    with _locked_seen(content_root) as (record, seen):
        new = [(tag, object_id) for tag, object_id in sorted(tags.items())
               if (tag, object_id) not in seen]
        _record(record, new)
    return len(new)


def forget(content_root: Path, tag: str) -> int:
    """Drop every record of `tag` from the seen record, so that its next creation builds again
    (the demo re-creates its source repository, same ids included, on every run); how many."""
    with _locked_seen(content_root) as (record, seen):
        kept = sorted((t, i) for t, i in seen if t != tag)
        record.seek(0)
        record.truncate()
        _record(record, kept)
    return len(seen) - len(kept)


def queue_builds(content_root: Path, source: Path, updates: list[RefUpdate]) -> list[QueuedBuild]:
    """Decide which updates are new release tags, record them as seen, and start one detached
    worker building them; return what was queued. Nothing here waits for the build."""
    content_root = Path(content_root).resolve()
    created = created_release_tags(updates)
    if not created:
        return []
    if not (content_root / PARAMS_FILE).is_file():
        # Never create the folder of a content repository that moved or was deleted.
        raise MomrelError(f"{content_root}: no content repository there (params.yaml) to build "
                          f"{', '.join(tag for tag, _ in created)} into; run momrel hooks install "
                          "--source again from the content repository")
    with _locked_seen(content_root) as (record, seen):
        new = [(tag, object_id) for tag, object_id in created if (tag, object_id) not in seen]
        _record(record, new)
    queued = [QueuedBuild(tag, environment_of(tag)) for tag, _ in new]
    for (tag, object_id), build in zip(new, queued):
        log_line(content_root, f"queued {tag} (env {build.env}, id {object_id})")
    if queued:
        _start_worker(content_root, Path(source).resolve(), [b.tag for b in queued])
    return queued


def _start_worker(content_root: Path, source: Path, tags: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCAL_ENV}
    env["MOMREL_REPO"] = str(content_root)
    with open(hook_folder(content_root) / BUILD_LOG, "ab") as log:
        # A new session: the worker survives the hook, and git's terminal signals (Ctrl-C on
        # `git push`) do not reach it.
        # -P: `python -m momrel` must not import a `momrel` folder from the folder it runs in.
        subprocess.Popen([sys.executable, "-P", "-m", "momrel", "hooks", "build-tags",
                          "--source", str(source), *tags],
                         cwd=content_root, env=env, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)


# ---------------------------------------------------------------- the detached worker
@contextlib.contextmanager
def _build_lock(content_root: Path):
    """Builds into one content repository run one at a time (each writes release/ and may
    start a scratch server): a second worker waits here for the first."""
    with open(hook_folder(content_root) / BUILD_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def build_tags(config, source: Path, tags: list[str]) -> list[tuple[str, str]]:
    """Build each tag's package (prod for a final version, dev for a pre-release) into the
    content repository, one at a time; hazards are acknowledged by the annotated tag's own
    message only (`allow-hazards:` lines, read by the build). Logs `built TAG → PATH` or
    `failed TAG: REASON`; a failed tag does not stop the next. Returns (tag, outcome) pairs."""
    root = config.root
    outcomes = []
    with _build_lock(root):
        for tag in tags:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            log_line(root, f"building {tag} (started {stamp}, pid {os.getpid()})")
            try:
                from momrel.syspkg.build import build_package

                built = build_package(config, environment_of(tag), tag, source=Path(source),
                                      progress=lambda message: log_line(root, f"  {tag}: {message}"))
            except MomrelError as exc:
                outcome = f"failed {tag}: {_one_line(exc)}"
            except Exception as exc:  # a bug: its traceback goes to the log, the next tag goes on
                traceback.print_exc()
                sys.stdout.flush()
                outcome = f"failed {tag}: {type(exc).__name__}: {_one_line(exc)}"
            else:
                path = Path(built.path)
                shown = path.relative_to(root) if path.is_relative_to(root) else path
                outcome = f"built {tag} → {shown}"
            log_line(root, outcome)
            outcomes.append((tag, outcome))
    return outcomes


# ---------------------------------------------------------------- reading the log
def build_outcome(content_root: Path, tag: str) -> str | None:
    """The outcome line (`built TAG → PATH` or `failed TAG: REASON`) of the latest queued build
    of `tag`; None while it runs or waits, or when it was never queued."""
    log = build_log(content_root)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []
    outcome = None
    for line in lines:
        if line.startswith(f"queued {tag} "):
            outcome = None
        elif line.startswith((f"built {tag} → ", f"failed {tag}: ")):
            outcome = line
    return outcome


def wait_for_build(content_root: Path, tag: str, timeout: float) -> str:
    """Poll the log until the build of `tag` has an outcome (the demo waits for the hook's
    build this way); its line. A MomrelError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (outcome := build_outcome(content_root, tag)) is None:
        if time.monotonic() > deadline:
            raise MomrelError(f"the build of {tag} has no outcome after {timeout:.0f} s; see "
                              f"{build_log(content_root)}")
        time.sleep(0.25)
    return outcome
