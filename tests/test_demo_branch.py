"""The demo's branch momrel-demo: built beside the user's work, never over it (plain git)."""

from __future__ import annotations

import pytest

from momrel.demo.target_host import DEMO_BRANCH, snapshot_commit
from support import git, raises_momrel_error


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "params.yaml").write_text("files: []\n")
    git(root, "add", "params.yaml")
    git(root, "commit", "-qm", "start")
    (root / "params.yaml").write_text("files: [a]\n")
    (root / "pipelines").mkdir()
    (root / "pipelines" / "dvc.lock").write_text("lock\n")
    (root / "notes.txt").write_text("the user's own, not the demo's\n")
    return root


def test_branch_holds_the_paths_and_leaves_the_user_alone(repo):
    head = git(repo, "rev-parse", "HEAD")
    status = git(repo, "status", "--porcelain")
    commit = snapshot_commit(repo, ["params.yaml", "pipelines"])
    assert git(repo, "rev-parse", DEMO_BRANCH).strip() == commit
    assert git(repo, "rev-parse", f"{DEMO_BRANCH}^") == head
    assert git(repo, "ls-tree", "-r", "--name-only", DEMO_BRANCH).split() == \
        ["params.yaml", "pipelines/dvc.lock"]
    assert git(repo, "show", f"{DEMO_BRANCH}:params.yaml") == "files: [a]\n"
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(repo, "status", "--porcelain") == status

    assert snapshot_commit(repo, ["params.yaml", "pipelines"]) == commit  # nothing new
    (repo / "pipelines" / "dvc.lock").write_text("lock 2\n")
    moved = snapshot_commit(repo, ["params.yaml", "pipelines"])
    assert moved != commit and git(repo, "rev-parse", f"{moved}^") == head


def test_refuses_a_checked_out_or_foreign_branch(repo):
    snapshot_commit(repo, ["params.yaml"])
    git(repo, "stash", "-q", "--include-untracked")
    git(repo, "switch", "-q", DEMO_BRANCH)
    with raises_momrel_error(1, match="checked out"):
        snapshot_commit(repo, ["params.yaml"])
    git(repo, "switch", "-q", "main")
    git(repo, "branch", "-f", DEMO_BRANCH, "main")  # someone's branch of the same name
    with raises_momrel_error(1, match="did not make"):
        snapshot_commit(repo, ["params.yaml"])
    assert git(repo, "rev-parse", DEMO_BRANCH) == git(repo, "rev-parse", "main")
