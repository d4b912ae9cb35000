"""The embedded database commands and the demo job, through the CLI as a user runs them."""

from __future__ import annotations

import json

import psycopg

from support import git


def test_db_start_status_url_stop(content_repo):
    embedded = {"MOMREL_DATABASE_URL": ""}   # empty: use the repo's own embedded server
    status = content_repo.momrel("db", "status", "--json", **embedded)
    assert status.returncode == 1 and json.loads(status.stdout) == {"running": False, "url": None}
    try:
        url = content_repo.ok("db", "start", **embedded).stdout.strip()
        assert url.startswith("postgresql://postgres@127.0.0.1:")
        assert content_repo.ok("db", "url", **embedded).stdout.strip() == url
        assert json.loads(content_repo.ok("db", "status", "--json", **embedded).stdout)["running"]
        assert content_repo.ok("db", "start", **embedded).stdout.strip() == url  # idempotent
        assert "dev, public" in content_repo.ok("db", "init", **embedded).stdout
        assert "already" in content_repo.ok("db", "init", **embedded).stdout
        assert json.loads(content_repo.ok("db", "init", "--json", **embedded).stdout) == {
            "created": [], "present": ["dev", "public"]}
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema IN ('dev', 'public')")}
        assert {"dev.files", "public.files", "dev.tkg_edges", "public.identities"} <= tables
        assert content_repo.ok("db", "stop", **embedded).stdout.strip() == "stopped"
        stopped = content_repo.momrel("db", "status", **embedded)
        assert (stopped.returncode, stopped.stdout) == (1, "not running\n")
        # Data survives a restart.
        content_repo.ok("db", "start", **embedded)
        assert "already" in content_repo.ok("db", "init", **embedded).stdout
    finally:
        content_repo.momrel("db", "stop", **embedded)


def test_demo_runs_end_to_end_and_twice(content_repo, tmp_path):
    head = content_repo.git("rev-parse", "HEAD")
    first = json.loads(content_repo.ok("demo", "run", "--files", "2", "--json").stdout)
    assert len(first["seeded"]) == 2
    assert [p["exported"] for p in first["packages"]] == [True, True]
    assert all(p["rows"]["face_detections"] == 2000 for p in first["packages"])
    assert all(p["points"]["frames"] == 200 for p in first["packages"])
    assert "pushed" in first["pushed"]
    assert any(content_repo.remote.rglob("*")), "dvc push wrote nothing to the remote"
    # The target-host path: a fresh clone pulled one package and imported it into public.
    imported = first["imported"]
    assert imported["schema"] == "public" and imported["rows"]["face_detections"] == 2000
    clone = content_repo.root / imported["clone"]
    pulled = sorted(p.parent.name for p in (clone / "release" / "files").glob("*/*") if p.is_dir())
    assert pulled == [imported["target_uuid"]], "only the one package is pulled"
    assert content_repo.sql("SELECT status FROM public.files") == [("registered_processed",)]
    # ...from the branch momrel-demo: the user's branch, index and files are untouched.
    assert content_repo.git("rev-parse", "HEAD") == head
    assert content_repo.git("symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert content_repo.git("diff", "--cached", "--name-only") == ""
    assert "pipelines/" in content_repo.git("status", "--porcelain")  # left for the user to commit
    branch = first["branch"]
    assert branch["name"] == "momrel-demo"
    assert content_repo.git("rev-parse", "momrel-demo").strip() == branch["commit"]
    assert content_repo.git("rev-parse", "momrel-demo^") == head
    assert branch["commit_yourself"].startswith("git add params.yaml pipelines/ release/files/ && git commit")
    # Any plain clone of that branch can pull a package (remote pointed as the summary says).
    clone = tmp_path / "plain-clone"
    git(tmp_path, "clone", "-q", "-b", "momrel-demo", str(content_repo.root), str(clone))
    remote_url = content_repo.dvc("config", "remote.local.url").stdout.strip()
    assert f"url {remote_url} && dvc pull release/files/" in branch["clone"]
    content_repo.dvc("remote", "modify", "--local", "local", "url", remote_url, cwd=clone)
    package = f"release/files/{first['packages'][1]['file_uuid']}/1.0.0"
    content_repo.dvc("pull", package, cwd=clone)
    assert "ok: " in content_repo.momrel("file", "verify", package, cwd=clone).stdout
    # The schema history: `momrel schema diff v1 v2` in the demo schema repository, verified.
    schema = first["schema_migration"]
    assert schema["verified"] and schema["statements"] >= 5 and schema["hazardous"] >= 1
    migration_sql = (content_repo.root / schema["sql"]).read_text()
    assert 'RENAME COLUMN "name" TO "display_name"' in migration_sql
    assert "CREATE INDEX CONCURRENTLY" in migration_sql
    assert "### Changed" in (content_repo.root / schema["markdown"]).read_text()
    # The system packages: dev by hand, prod by the hook on `git tag -a v1.4.0`, both verified.
    system = first["system"]
    assert system["hook_outcome"] == "built v1.4.0 → release/system/prod/v1.4.0"
    assert [(p["environment"], p["version"], p["previous"], p["verified"]) for p in system["packages"]] \
        == [("dev", "v1.3.0", "none", True), ("dev", "v1.4.0-dev.1", "v1.3.0", True),
            ("prod", "v1.4.0", "v1.3.0", True)]
    assert "SHA256SUMS" in system["packages"][2]["files"] and system["packages"][2]["hazards"]
    # The host: baseline v1.3.0, its code, the upgrade to v1.4.0-dev.1, status, one rollback.
    host = system["host"]
    assert host["status"]["current"] == host["status"]["database"] == "v1.4.0-dev.1"
    assert host["status"]["service"]["version"] == "1.4.0-dev.1"
    assert [row["kind"] for row in host["status"]["history"]] == ["baseline", "upgrade"]
    assert host["after_rollback"]["current"] == host["after_rollback"]["database"] == "v1.3.0"
    assert host["after_rollback"]["service"]["version"] == "1.3.0"
    assert any(line.startswith("  restart: done") for line in host["lines"])
    assert (content_repo.root / "release/system/prod/v1.4.0.dvc").is_file()
    assert "pushed" in system["pushed"] or "up to date" in system["pushed"].lower()

    # Again, as `make demo` shows it: a line per DVC stage on stderr while it runs, and the
    # summary says where the lock files are and how to commit them.
    second = content_repo.ok("demo", "run", "--files", "2", COLUMNS="200")  # table unwrapped
    assert "seeded this run: 0 video(s)" in second.stdout
    file_section, _, system_section = second.stdout.partition("system packages from ")
    assert file_section.count("unchanged") == 2 and "File content packages" in second.stdout
    # Same commits and tags on every run: the system packages come out byte-identical.
    assert "dev  v1.4.0-dev.1  unchanged: release/system/dev/v1.4.0-dev.1/" in system_section
    assert "the hook: built v1.4.0 → release/system/prod/v1.4.0" in system_section
    assert "up to date" in second.stdout.lower()
    assert "-> dvc repro -P: running pipelines/files/" in second.stderr
    assert "-> dvc repro -P: unchanged pipelines/files/" in second.stderr
    assert "Running stage" not in second.stderr + second.stdout  # DVC's raw output stays hidden
    assert f"branch momrel-demo ({branch['commit'][:12]})" in second.stdout  # same commit
    assert "git add params.yaml pipelines/ release/files/ && git commit" in second.stdout
    assert "git clone -b momrel-demo " in second.stdout

    third = json.loads(content_repo.ok("demo", "run", "--files", "2", "--no-push", "--json").stdout)
    assert third["seeded"] == [] and [p["exported"] for p in third["packages"]] == [False, False]

    # A failing `dvc repro -P` is still one error line, after the progress lines.
    content_repo.sql("UPDATE dev.tkg_nodes SET label = 'changed' WHERE file_uuid = %s",
                     (first["packages"][0]["file_uuid"],))
    failed = content_repo.momrel("demo", "run", "--files", "2", "--no-push")
    lines = failed.stderr.splitlines()
    assert failed.returncode == 1 and all(line.startswith("-> ") for line in lines[:-1])
    assert lines[-1].startswith("momrel: error: dvc repro -P failed: ERROR: failed to reproduce")
