"""Per-package DVC pipelines: reproduce, detect changes by content, push, granular pull."""

from __future__ import annotations

import json
import shutil

from momrel.filepkg import manifest
from momrel.filepkg.verify import verify_package
from support import FILES, VERSION, clone_and_pull, git, tree_bytes, tree_state


def states(repo) -> dict[str, str]:
    listed = json.loads(repo.ok("file", "list", "--json").stdout)
    return {item["file_uuid"]: item["state"] for item in listed}


def add_all(repo, version=VERSION):
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
    added = json.loads(content_repo.ok("file", "add", FILES[0], "--version", "1.1.0", "--json").stdout)
    assert added == {"file_uuid": FILES[0], "version": "1.1.0", "changed": True,
                     "pipeline": f"pipelines/files/{FILES[0]}/dvc.yaml"}
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
        verify_package(repo.package_dir(file_uuid))
    assert set(states(repo).values()) == {"up-to-date"}
    before = {f: tree_state(repo.package_dir(f)) for f in FILES}

    # Nothing changed: the fingerprints are rewritten identically and no export runs.
    second = repo.dvc("repro", "-P")
    assert "Running stage" in second.stdout
    assert {f: tree_state(repo.package_dir(f)) for f in FILES} == before

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
    assert refused.returncode == 255  # DVC's exit code for a stage that failed
    assert "bump the version" in refused.stderr + refused.stdout
    assert {f: tree_state(repo.package_dir(f)) for f in FILES} == before

    # ...the new version is exported, and only it.
    repo.ok("file", "add", changed, "--version", "1.0.1")
    repo.dvc("repro", "-P")
    new_package = repo.package_dir(changed, "1.0.1")
    verify_package(new_package)
    assert manifest.read_metadata(new_package)["content_sha256"] != \
        manifest.read_metadata(repo.package_dir(changed))["content_sha256"]
    for file_uuid in (FILES[0], FILES[2]):
        assert tree_state(repo.package_dir(file_uuid)) == before[file_uuid]
    assert set(states(repo).values()) == {"up-to-date"}


def test_fresh_clone_pulls_exactly_one_package(seeded_repo, tmp_path):
    repo = seeded_repo
    add_all(repo)
    repo.dvc("repro", "-P")
    repo.dvc("push")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "packages 1.0.0")
    clone_and_pull(repo, tmp_path / "clone", FILES[2])


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
    git(tmp_path, "init", "-q", "--bare", str(origin))
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", hooks=True)
    assert any(repo.remote.rglob("*.dir")), "pre-push hook did not run dvc push"

    package = repo.package_dir(FILES[0])
    expected = tree_bytes(package)
    shutil.rmtree(package)
    repo.git("checkout", "-q", "-b", "other", hooks=True)
    assert tree_bytes(package) == expected
