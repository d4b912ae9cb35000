"""Git, in one place: open a repository, resolve refs, list tags and order release tags by
semantic version, read a file or a commit at a ref, and make commits (a throwaway repository's,
or a snapshot of some paths built beside the user's work).

Every git command runs through GitPython's command wrapper (`repo.git`), so git's own rules
apply (revision syntax, annotated tags peeled, ref names) and every failure becomes one
`GitError` line. No other module runs git.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import total_ordering
from pathlib import Path, PurePosixPath

import git

from momrel.errors import GitError, MissingPath, NotARepository, UnknownRef, named


# --- semantic versions ------------------------------------------------------------------------

# semver.org's grammar: no leading zeros in numbers, dot-separated pre-release and build parts.
_NUMBER = r"0|[1-9]\d*"
_PRE_PART = rf"(?:{_NUMBER}|\d*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION = re.compile(rf"v?({_NUMBER})\.({_NUMBER})\.({_NUMBER})"
                      rf"(?:-({_PRE_PART}(?:\.{_PRE_PART})*))?"
                      rf"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?", re.ASCII)


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A semantic version (semver 2.0), compared by its precedence: build metadata is kept for
    display and ignored in comparisons, as the specification says."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()
    build: str = ""

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """`1.4.0`, `v1.4.0-dev.1`, `v2.0.0+build.5`; None for anything else (tags such as `v1`
        or `latest` are not versions)."""
        match = _VERSION.fullmatch(text)
        if not match:
            return None
        major, minor, patch, pre, build = match.groups()
        parts = tuple(int(p) if p.isdigit() else p for p in pre.split(".")) if pre else ()
        return cls(int(major), int(minor), int(patch), parts, build or "")

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def _precedence(self) -> tuple:
        # A release ranks above its pre-releases; within a pre-release, numeric identifiers rank
        # below alphanumeric ones, and a longer list wins when the shorter is its prefix.
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, (1,) if not pre else (0, pre))

    def __eq__(self, other) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._precedence() == other._precedence()

    def __lt__(self, other) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._precedence() < other._precedence()

    def __hash__(self) -> int:
        return hash(self._precedence())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(p) for p in self.prerelease)
        return text + (f"+{self.build}" if self.build else "")


@dataclass(frozen=True)
class ReleaseTag:
    name: str           # the tag as it is in the repository: `v1.4.0`
    version: Version


def sort_releases(tags: list[str]) -> list[ReleaseTag]:
    """The tags that are semantic versions, oldest first; others are left out."""
    releases = [ReleaseTag(name, version) for name in tags
                if (version := Version.parse(name)) is not None]
    return sorted(releases, key=lambda r: (r.version, r.name))


# --- commits ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """Who commits and tags, for repositories a program builds on a machine that may have no
    git identity configured."""

    name: str
    email: str
    # A fixed author and committer date ("2025-01-15T12:00:00+00:00"): the same commits and
    # tags then get the same shas on every run.
    date: str | None = None

    def env(self) -> dict[str, str]:
        env = {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
               "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}
        if self.date:
            env |= {"GIT_AUTHOR_DATE": self.date, "GIT_COMMITTER_DATE": self.date}
        return env


@dataclass(frozen=True)
class TreeEntry:
    path: str           # POSIX, relative to the repository's top
    mode: str           # 100644, 100755, 120000 (symbolic link), 160000 (submodule)
    kind: str           # blob or commit
    sha: str


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    time: datetime          # committer time, in the committer's offset
    message: str


def _parse_commit(sha: str, raw: bytes) -> Commit:
    """A commit object as `git cat-file commit` prints it (no config can change that form)."""
    header, _, message = raw.partition(b"\n\n")
    tree, parents, time = "", [], None
    for line in header.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key == "committer":
            stamp, offset = value.rsplit(" ", 2)[1:]
            minutes = int(offset[1:3]) * 60 + int(offset[3:5])
            zone = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
            time = datetime.fromtimestamp(int(stamp), zone)
    if not tree or time is None:
        raise GitError(f"commit {sha[:12]}: cannot read its tree or committer time")
    return Commit(sha, tree, tuple(parents), time, message.decode("utf-8", "replace"))


# --- running git ------------------------------------------------------------------------------

def _run(runner: git.Git, where: str, *args: str, env: dict[str, str] | None = None) -> bytes:
    """git ARGS, its output as bytes; a failure is a GitError with git's last line."""
    command, rest = args[0], args[1:]
    try:
        status, out, err = getattr(runner, command.replace("-", "_"))(
            *rest, env=env, with_extended_output=True, with_exceptions=False,
            stdout_as_string=False, strip_newline_in_stdout=False)
    except git.GitCommandNotFound:
        raise GitError("git is not installed (or not on PATH)") from None
    if status != 0:
        # git says why on stderr, except a few porcelain commands (commit: "nothing to commit").
        lines = [line.strip() for line in (err or _text(out)).splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {status}"
        raise GitError(f"{where}: git {command} failed: {reason}")
    return out


def _text(output: bytes) -> str:
    return output.decode("utf-8", "replace").rstrip("\n")


# --- the repository ---------------------------------------------------------------------------

def open_repository(path: Path, allow_bare: bool = False) -> Repository:
    """The git repository whose work tree is `path` (not a folder inside one); with
    `allow_bare`, a bare repository too (a central repository that receives pushed tags)."""
    path = Path(path)
    if not path.is_dir():
        raise NotARepository(f"{path}: no such folder" if not path.exists()
                             else f"{path} is not a folder, so not a git repository")
    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise NotARepository(f"{path} is not a git repository") from None
    if repo.bare and allow_bare:
        return Repository(Path(repo.git_dir), repo.git)
    if repo.bare:
        raise NotARepository(f"{path} is a bare git repository: it has no work tree")
    return Repository(Path(repo.working_tree_dir), repo.git)


def init_repository(path: Path, branch: str = "main") -> Repository:
    """A new, empty repository at `path` (created if needed) on `branch`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _run(git.Git(str(path)), str(path), "init", "-q", "-b", branch)
    return open_repository(path)


def clone(source: Path, destination: Path, branch: str) -> Repository:
    """A clone of `source` at `destination` with `branch` checked out."""
    _run(git.Git(), str(source), "clone", "-q", "--branch", branch, "--", str(source), str(destination))
    return open_repository(destination)


class Repository:
    def __init__(self, root: Path, runner: git.Git):
        self.root = root
        self._git = runner

    def _run(self, *args: str, env: dict[str, str] | None = None) -> bytes:
        return _run(self._git, self.root.name, *args, env=env)

    def _lines(self, *args: str) -> list[str]:
        return [line for line in _text(self._run(*args)).split("\n") if line]

    # refs

    def resolve(self, ref: str) -> str:
        """The full sha of the commit `ref` names (branch, tag, annotated tag, sha, HEAD,
        origin/main, any git revision)."""
        if not ref or not ref.strip():
            raise UnknownRef(f"an empty git ref in {self.root.name}", ref)
        try:
            return _text(self._run("rev-parse", "--verify", "--quiet", "--end-of-options",
                                   f"{ref}^{{commit}}"))
        except GitError:
            pass
        if not self._lines("rev-list", "--max-count=1", "--all"):
            raise UnknownRef(f"{named(ref)}: {self.root.name} has no commits yet", ref) from None
        raise UnknownRef(f"{named(ref)}: not a git ref of {self.root.name}", ref) from None

    def tags(self) -> list[str]:
        return self._lines("for-each-ref", "--format=%(refname:strip=2)", "refs/tags")

    def tag_ids(self) -> dict[str, str]:
        """Every tag with the id its ref holds: the tag object's for an annotated tag (what
        hooks are given), the commit's for a lightweight one."""
        pairs = (line.split(" ", 1) for line in
                 self._lines("for-each-ref", "--format=%(objectname) %(refname:strip=2)", "refs/tags"))
        return {name: sha for sha, name in pairs}

    def release_tags(self) -> list[ReleaseTag]:
        """Tags that are semantic versions (`v1.3.0`, `v1.4.0-dev.1`), oldest first."""
        return sort_releases(self.tags())

    def release_before(self, tag: str, include_prereleases: bool = False) -> ReleaseTag | None:
        """The newest release tag that precedes `tag` (itself a version tag), or None."""
        version = Version.parse(tag)
        if version is None or tag not in self.tags():
            raise UnknownRef(f"{named(tag)}: not a release tag of {self.root.name} "
                             f"(a tag such as v1.4.0)", tag)
        earlier = [r for r in self.release_tags() if r.version < version
                   and (include_prereleases or not r.version.is_prerelease)]
        return earlier[-1] if earlier else None

    def tag_message(self, tag: str) -> str | None:
        """The message of annotated tag `tag`; None for a lightweight tag (it has none)."""
        ref = f"refs/tags/{tag}"
        try:
            kind = _text(self._run("cat-file", "-t", ref))
        except GitError:
            raise UnknownRef(f"{named(tag)}: not a tag of {self.root.name}", tag) from None
        if kind != "tag":
            return None
        _, _, message = self._run("cat-file", "tag", ref).partition(b"\n\n")
        return message.decode("utf-8", "replace")

    def checked_out_branch(self) -> str | None:
        """The branch HEAD is on (`main`), None when HEAD is detached."""
        try:
            return _text(self._run("symbolic-ref", "--quiet", "--short", "HEAD"))
        except GitError:
            return None

    # reading

    def read_commit(self, ref: str) -> Commit:
        sha = self.resolve(ref)
        return _parse_commit(sha, self._run("cat-file", "commit", sha))

    def commit_time(self, ref: str) -> datetime:
        return self.read_commit(ref).time

    def read_file(self, ref: str, path: str) -> bytes:
        """The content of file `path` (relative to the repository's top) at `ref`."""
        sha = self.resolve(ref)
        parts = PurePosixPath(path).parts
        if not path or not parts or parts[0] == "/" or ".." in parts:
            raise MissingPath(ref, path, sha, "is not a path inside the repository")
        wanted = "/".join(parts)
        listing = self._run("ls-tree", "-z", "--full-tree", sha, "--", wanted).split(b"\0")
        entries = [meta for meta, _, name in (e.partition(b"\t") for e in listing)
                   if name == wanted.encode()]
        if not entries:
            raise MissingPath(ref, path, sha, "does not exist")
        mode, kind, blob = entries[0].decode().split(" ")
        if kind != "blob" or mode == "120000":
            what = {"tree": "a folder", "commit": "a submodule"}.get(kind, "a symbolic link")
            raise MissingPath(ref, path, sha, f"is {what}, not a file,")
        return self._run("cat-file", "blob", blob)

    def tree_entries(self, ref: str) -> list[TreeEntry]:
        """Every file of the tree at `ref` (`git ls-tree -r`), in git's order."""
        sha = self.resolve(ref)
        entries = []
        for record in self._run("ls-tree", "-r", "-z", "--full-tree", sha).split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, object_id = meta.decode().split(" ")
            entries.append(TreeEntry(path.decode("utf-8", "surrogateescape"), mode, kind, object_id))
        return entries

    def read_blob(self, sha: str) -> bytes:
        """A blob's content, through git's long-running `cat-file --batch` (one process for
        all the blobs of a tree)."""
        try:
            _, kind, _, data = self._git.get_object_data(sha)
        except (ValueError, git.GitCommandError) as exc:
            raise GitError(f"{self.root.name}: cannot read object {sha[:12]}: {exc}") from None
        if kind != b"blob" and kind != "blob":
            raise GitError(f"{self.root.name}: object {sha[:12]} is a {kind}, not a file")
        return data

    def staged_paths(self) -> list[str]:
        """Paths whose staged content differs from HEAD (added, changed or deleted), as `git
        diff --cached` lists them; every staged path when there is no commit yet."""
        return [p for p in _text(self._run("diff", "--cached", "--name-only", "-z",
                                           "--no-renames")).split("\0") if p]

    def read_staged(self, path: str) -> bytes | None:
        """The content of file `path` in the index (what the next commit holds); None when the
        index has no such file (deleted, never added, in conflict, a link or a submodule)."""
        wanted = PurePosixPath(path).as_posix()
        listing = self._run("ls-files", "--stage", "-z", "--full-name", "--",
                            f":(literal){wanted}").split(b"\0")
        for entry in listing:
            meta, _, name = entry.partition(b"\t")
            if name == wanted.encode():
                mode, blob, stage = meta.decode().split(" ")
                if stage == "0" and mode not in ("120000", "160000"):
                    return self._run("cat-file", "blob", blob)
        return None

    # hooks

    def is_bare(self) -> bool:
        return _text(self._run("rev-parse", "--is-bare-repository")) == "true"

    def hooks_dir(self) -> Path:
        """The folder git runs this repository's hooks from (.git/hooks, or core.hooksPath)."""
        where = Path(_text(self._run("rev-parse", "--git-path", "hooks")))
        return where if where.is_absolute() else Path(self._git.working_dir) / where

    # writing

    def commit_all(self, message: str, identity: Identity | None = None) -> str:
        """Commit everything in the work tree (new, changed and deleted files); its sha."""
        env = identity.env() if identity else None
        self._run("add", "-A", env=env)
        self._run("commit", "-q", "-m", message, env=env)
        return self.resolve("HEAD")

    def tag(self, name: str, message: str, ref: str = "HEAD", identity: Identity | None = None) -> None:
        """An annotated tag `name` on the commit `ref` names."""
        self._run("tag", "-a", name, "-m", message, self.resolve(ref),
                  env=identity.env() if identity else None)

    def snapshot_tree(self, paths: list[str], base: str = "HEAD") -> str:
        """The tree of `base` with the work tree's current content of `paths`, built on a
        private index: the repository's own index and work tree are not touched."""
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._run("read-tree", self.resolve(base), env=env)
            self._run("add", "--", *paths, env=env)
            return _text(self._run("write-tree", env=env))

    def commit_tree(self, tree: str, parents: list[str], message: str,
                    identity: Identity | None = None) -> str:
        """A commit of `tree` on `parents` that no branch points to yet; its sha."""
        parent_args = [arg for sha in parents for arg in ("-p", sha)]
        return _text(self._run("commit-tree", tree, *parent_args, "-m", message,
                               env=identity.env() if identity else None))

    def point_branch(self, branch: str, commit: str, reason: str) -> None:
        """Branch `branch` at `commit` (created or moved), `reason` in its reflog."""
        self._run("update-ref", "-m", reason, f"refs/heads/{branch}", commit)

    def set_config(self, key: str, value: str) -> None:
        """A setting in the repository's own config (.git/config), replacing any value."""
        self._run("config", "--local", "--replace-all", key, value)
