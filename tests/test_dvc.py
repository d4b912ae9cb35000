"""Per-package DVC pipelines: reproduce, detect changes by content, push, granular pull."""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import git
from momrel.demo import seed as seeding
from momrel.filepkg import manifest
from momrel.filepkg.verify import verify_package

FILES = [seeding.file_uuid(i) for i in range(3)]


def package_dir(repo, file_uuid, version="1.0.0"):
    return repo.root / "release" / "files" / file_uuid / version


def states(repo) -> dict[str, str]:
    listed = json.loads(repo.ok("file", "list", "--json").stdout)
    return {item["file_uuid"]: item["state"] for item in listed}


def tree_state(folder):
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def add_all(repo, version="1.0.0"):
    for file_uuid in FILES:
        repo.ok("file", "add", file_uuid, "--version", version)


def test_file_add_records_params_and_generates_a_pipeline(content_repo):
    content_repo.ok("file", "add", FILES[0], "--version", "1.0.0")
    config = content_repo.config()
    assert [(f.uuid, f.version) for f in config.files] == [(FILES[0], "1.0.0")]
    pipeline = content_repo.root / "pipelines" / "files" / FILES[0] / "dvc.yaml"
    text = pipeline.read_text()
    assert f"momrel file export --uuid {FILES[0]} --version 1.0.0" in text
    assert "always_changed: true" in text and "persist: true" in text
    # The rest of params.yaml, comments included, is untouched.
    assert "# Qdrant collections packaged per file" in (content_repo.root / "params.yaml").read_text()
    # Adding again changes nothing; a new version rewrites the entry, not a second one.
    assert "unchanged" in content_repo.ok("file", "add", FILES[0], "--version", "1.0.0").stdout
    content_repo.ok("file", "add", FILES[0], "--version", "1.1.0")
    assert [(f.uuid, f.version) for f in content_repo.config().files] == [(FILES[0], "1.1.0")]
    assert "--version 1.1.0" in pipeline.read_text()
    # DVC itself accepts the generated pipeline.
    listed = content_repo.dvc("stage", "list", "--all").stdout
    assert "fingerprint" in listed and "export" in listed


def test_repro_reexports_exactly_the_changed_package(seeded_repo):
    repo = seeded_repo
    add_all(repo)
    repo.dvc("repro", "-P")
    for file_uuid in FILES:
        verify_package(package_dir(repo, file_uuid))
    assert set(states(repo).values()) == {"up-to-date"}
    before = {f: tree_state(package_dir(repo, f)) for f in FILES}

    # Nothing changed: the fingerprints are rewritten identically and no export runs.
    second = repo.dvc("repro", "-P")
    assert "Running stage" in second.stdout
    assert {f: tree_state(package_dir(repo, f)) for f in FILES} == before

    # One row of one file changes: exactly that package is stale.
    changed = FILES[1]
    repo.sql("UPDATE dev.face_detections SET confidence = 0.125 "
             "WHERE id = (SELECT min(id) FROM dev.face_detections WHERE file_uuid = %s)", (changed,))
    assert states(repo) == {FILES[0]: "up-to-date", changed: "stale", FILES[2]: "up-to-date"}
    # Without the comparison each package is only known to be there.
    unchecked = json.loads(repo.ok("file", "list", "--json", "--no-check").stdout)
    assert {item["state"] for item in unchecked} == {"present"}
    table = repo.ok("file", "list", "--no-check", FORCE_COLOR="1", COLUMNS="200").stdout
    assert table.count("\x1b[36mpresent\x1b[0m") == 3, table  # styled (cyan) like the other states

    # Its published version is not silently rewritten...
    refused = repo.dvc("repro", "-P", "--keep-going", check=False)
    assert refused.returncode != 0
    assert "bump the version" in refused.stderr + refused.stdout
    assert {f: tree_state(package_dir(repo, f)) for f in FILES} == before

    # ...the new version is exported, and only it.
    repo.ok("file", "add", changed, "--version", "1.0.1")
    repo.dvc("repro", "-P")
    new_package = package_dir(repo, changed, "1.0.1")
    verify_package(new_package)
    assert manifest.read_metadata(new_package)["content_sha256"] != \
        manifest.read_metadata(package_dir(repo, changed))["content_sha256"]
    for file_uuid in (FILES[0], FILES[2]):
        assert tree_state(package_dir(repo, file_uuid)) == before[file_uuid]
    assert set(states(repo).values()) == {"up-to-date"}


def test_fresh_clone_pulls_exactly_one_package(seeded_repo, tmp_path):
    repo = seeded_repo
    add_all(repo)
    repo.dvc("repro", "-P")
    repo.dvc("push")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "packages 1.0.0")

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True)
    wanted = f"release/files/{FILES[2]}/1.0.0"
    repo.dvc("pull", wanted, cwd=clone)

    original = repo.root / wanted
    pulled = clone / wanted
    assert {k: v[1] for k, v in tree_state(pulled).items()} == \
        {k: v[1] for k, v in tree_state(original).items()}
    verify_package(pulled)
    for other in FILES[:2]:
        assert not (clone / "release" / "files" / other / "1.0.0").exists()
    assert git(clone, "status", "--porcelain") == ""


def test_hooks_push_packages_with_git_push_and_restore_them_on_checkout(seeded_repo, tmp_path):
    repo = seeded_repo
    assert "pre-push" in repo.ok("hooks", "install").stdout
    assert repo.git("config", "core.hooksPath").strip() == "hooks"
    repo.ok("file", "add", FILES[0], "--version", "1.0.0")
    repo.dvc("repro", "-P")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "package")
    assert not any(repo.remote.rglob("*.dir")), "nothing pushed yet"

    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    push = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.root, env=repo.env(),
                          capture_output=True, text=True)
    assert push.returncode == 0, push.stderr
    assert any(repo.remote.rglob("*.dir")), "pre-push hook did not run dvc push"

    package = package_dir(repo, FILES[0])
    expected = {k: v[1] for k, v in tree_state(package).items()}
    shutil.rmtree(package)
    checkout = subprocess.run(["git", "checkout", "-q", "-b", "other"], cwd=repo.root,
                              env=repo.env(), capture_output=True, text=True)
    assert checkout.returncode == 0, checkout.stderr
    assert {k: v[1] for k, v in tree_state(package).items()} == expected
