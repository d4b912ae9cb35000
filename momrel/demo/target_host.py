"""The target-host half of the demo: a fresh clone pulls one package and imports it.

What an operator does on a target host, in a folder of its own under .momrel/:
  git clone -b momrel-demo REPO; dvc pull release/files/U/V; momrel file import ...
The demo's packages are not committed on the user's branch (that is the user's call), so the
commit the clone checks out is built with git plumbing on a private index and kept as the
branch `momrel-demo`: the user's branch, index and working tree are left alone, and any plain
`git clone -b momrel-demo` of the repository can `dvc pull` the demo's packages.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from momrel.config import Config, load
from momrel.dvcrepo import run_dvc
from momrel.errors import MomrelError, UnknownRef
from momrel.filepkg.importer import ImportResult, import_package
from momrel.gitrepo import Commit, Repository, clone, open_repository

DEMO_BRANCH = "momrel-demo"
DEMO_MESSAGE = "momrel demo: packages to pull"


def committed_paths(config: Config) -> list[str]:
    """What the packaging workflow commits (README): params.yaml, pipelines/, the release dir."""
    return ["params.yaml", "pipelines", config.release_dir.relative_to(config.root).as_posix()]


def snapshot_commit(root: Path, paths: list[str]) -> str:
    """Branch DEMO_BRANCH at a commit of HEAD plus the current content of `paths`, made
    without touching the index, the working tree or the checked-out branch."""
    repo = open_repository(root)
    existing = _demo_branch_tip(repo)
    tree = repo.snapshot_tree(paths)
    head = repo.resolve("HEAD")
    if existing and existing.tree == tree and existing.parents == (head,):
        return existing.sha  # a second run with nothing new keeps the same commit
    commit = repo.commit_tree(tree, [head], DEMO_MESSAGE)
    repo.point_branch(DEMO_BRANCH, commit, "momrel demo")
    return commit


def _demo_branch_tip(repo: Repository) -> Commit | None:
    """The branch's current commit if the demo made it; refuse to move a branch that is
    checked out or holds someone's work."""
    if repo.checked_out_branch() == DEMO_BRANCH:
        raise MomrelError(f"the demo moves branch {DEMO_BRANCH}, which is checked out here: "
                          f"switch to your own branch first (git switch main)")
    try:
        tip = repo.read_commit(f"refs/heads/{DEMO_BRANCH}")
    except UnknownRef:
        return None
    if tip.message.strip() != DEMO_MESSAGE:
        raise MomrelError(f"branch {DEMO_BRANCH} holds commits the demo did not make; rename it "
                          f"(git branch -m {DEMO_BRANCH} NEW) so the demo can create its own")
    return tip


@dataclass
class TargetHost:
    clone: Path            # the target host's clone of the demo branch
    commit: str            # the demo branch's commit it checked out
    remote: str            # the DVC remote it pulled from, and that remote's absolute URL
    remote_url: str
    package: str           # the pulled package, relative to the repository
    imported: ImportResult


def pull_and_import(config: Config, file_uuid: str, version: str, url: str,
                    env_name: str = "prod") -> TargetHost:
    root = config.root
    commit = snapshot_commit(root, committed_paths(config))
    host = root / ".momrel" / "demo-target-host"
    shutil.rmtree(host, ignore_errors=True)
    clone(root, host, DEMO_BRANCH)

    # A target host points the remote at wherever the packages were pushed; a relative local
    # remote (the default) would resolve elsewhere from the clone's folder.
    name = run_dvc(root, "config", "core.remote").stdout.strip()
    absolute_url = remote_url(root, name)
    run_dvc(host, "remote", "modify", "--local", name, "url", absolute_url)
    package = f"{config.release_dir.relative_to(root).as_posix()}/{file_uuid}/{version}"
    run_dvc(host, "pull", package)

    # The target host's database is, in the demo, the same server (schema of `env_name`);
    # its Qdrant is its own local storage under the clone.
    result = import_package(load(host), host / package, env_name, show_progress=False,
                            database_url=url)
    return TargetHost(host, commit, name, absolute_url, package, result)


def remote_url(root: Path, name: str) -> str:
    """The remote's URL as seen from anywhere: a relative local path made absolute."""
    url = run_dvc(root, "config", f"remote.{name}.url").stdout.strip()
    if "://" not in url and not Path(url).is_absolute():
        url = str((root / ".dvc" / url).resolve())
    return url
