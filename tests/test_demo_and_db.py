"""The embedded database commands and the demo job, through the CLI as a user runs them."""

from __future__ import annotations

import json

import psycopg


def test_db_start_status_url_stop(content_repo):
    embedded = {"MOMREL_DATABASE_URL": ""}   # empty: use the repo's own embedded server
    status = content_repo.momrel("db", "status", "--json", **embedded)
    assert status.returncode == 3 and json.loads(status.stdout) == {"running": False, "url": None}
    try:
        url = content_repo.ok("db", "start", **embedded).stdout.strip()
        assert url.startswith("postgresql://postgres@127.0.0.1:")
        assert content_repo.ok("db", "url", **embedded).stdout.strip() == url
        assert json.loads(content_repo.ok("db", "status", "--json", **embedded).stdout)["running"]
        assert content_repo.ok("db", "start", **embedded).stdout.strip() == url  # idempotent
        assert "dev, public" in content_repo.ok("db", "init", **embedded).stdout
        assert "already" in content_repo.ok("db", "init", **embedded).stdout
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema IN ('dev', 'public')")}
        assert {"dev.files", "public.files", "dev.tkg_edges", "public.identities"} <= tables
        assert content_repo.ok("db", "stop", **embedded).stdout.strip() == "stopped"
        assert content_repo.momrel("db", "status", **embedded).returncode == 3
        # Data survives a restart.
        content_repo.ok("db", "start", **embedded)
        assert "already" in content_repo.ok("db", "init", **embedded).stdout
    finally:
        content_repo.momrel("db", "stop", **embedded)


def test_demo_runs_end_to_end_and_twice(content_repo):
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
    # ...from a commit kept under refs/momrel/demo: the user's branch and index are untouched.
    assert content_repo.git("rev-parse", "HEAD") == head
    assert content_repo.git("diff", "--cached", "--name-only") == ""
    assert content_repo.git("rev-parse", "refs/momrel/demo^") == head
    # The schema history: `momrel schema diff v1 v2` in the demo schema repository, verified.
    schema = first["schema_migration"]
    assert schema["verified"] and schema["statements"] >= 5 and schema["hazardous"] >= 1
    migration_sql = (content_repo.root / schema["sql"]).read_text()
    assert 'RENAME COLUMN "name" TO "display_name"' in migration_sql
    assert "CREATE INDEX CONCURRENTLY" in migration_sql
    assert "### Changed" in (content_repo.root / schema["markdown"]).read_text()

    second = json.loads(content_repo.ok("demo", "run", "--files", "2", "--json").stdout)
    assert second["seeded"] == []
    assert [p["exported"] for p in second["packages"]] == [False, False]
    assert "up to date" in second["pushed"].lower()

    table = content_repo.ok("demo", "run", "--files", "2", "--no-push")
    assert "unchanged" in table.stdout and "File content packages" in table.stdout
