"""The target-host half of the demo: a fresh clone pulls one package and imports it.

What an operator does on a target host, in a folder of its own under .momrel/:
  git clone REPO; git checkout COMMIT; dvc pull release/files/U/V; momrel file import ...
The demo's packages are not committed by the demo (that is the user's call), so the commit
the clone checks out is built with git plumbing on a private index and kept under
refs/momrel/demo: the user's branch, index and working tree are left alone.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import git

from momrel.config import Config, load
from momrel.dvcrepo import run_dvc
from momrel.filepkg.importer import ImportResult, import_package

DEMO_REF = "refs/momrel/demo"


def snapshot_commit(root: Path, paths: list[str]) -> str:
    """A commit of HEAD plus the current content of `paths`, without touching the index."""
    repo = git.Repo(root)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        repo.git.read_tree("HEAD", env=env)
        repo.git.add("--", *paths, env=env)
        tree = repo.git.write_tree(env=env)
    commit = repo.git.commit_tree(tree, "-p", "HEAD", "-m", "momrel demo: packages to pull")
    repo.git.update_ref(DEMO_REF, commit)
    return commit


def pull_and_import(config: Config, file_uuid: str, version: str, url: str,
                    env_name: str = "prod") -> tuple[Path, ImportResult]:
    root = config.root
    commit = snapshot_commit(root, ["params.yaml", "pipelines", str(config.release_dir.relative_to(root))])
    host = root / ".momrel" / "demo-target-host"
    shutil.rmtree(host, ignore_errors=True)
    clone = git.Repo.clone_from(str(root), str(host), no_checkout=True)
    clone.git.fetch("origin", DEMO_REF)
    clone.git.checkout("-q", commit)

    # A target host points the remote at wherever the packages were pushed; a relative local
    # remote (the default) would resolve elsewhere from the clone's folder.
    name = run_dvc(root, "config", "core.remote").stdout.strip()
    remote_url = run_dvc(root, "config", f"remote.{name}.url").stdout.strip()
    if "://" not in remote_url and not Path(remote_url).is_absolute():
        remote_url = str((root / ".dvc" / remote_url).resolve())
    run_dvc(host, "remote", "modify", "--local", name, "url", remote_url)
    package = f"{config.release_dir.relative_to(root).as_posix()}/{file_uuid}/{version}"
    run_dvc(host, "pull", package)

    # The target host's database is, in the demo, the same server (schema of `env_name`);
    # its Qdrant is its own local storage under the clone.
    result = import_package(load(host), host / package, env_name, show_progress=False,
                            database_url=url)
    return host, result
