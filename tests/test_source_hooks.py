"""The source repository's hooks (momrel hooks install --source), run by real git in real
repositories: a created release tag queues its system package build once, with the right
environment, and nothing else does (pack-refs, gc, fetch, branch commits, deletions, tags that
are not versions); a central repository's post-receive does the same for pushed tags; `git tag`
never waits for or fails with the build; a hook momrel did not write is left alone; pre-commit
verifies the staged schema. The decisions are read from the `queued` lines of the build log,
written before `git tag` returns; every test waits for its builds' outcome lines so no worker
outlives it. One end-to-end test builds a real package from a tag.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from momrel.syspkg import hookscripts, taghook
from support import PROJECT, git, make_content_repo, one_line_error, run_momrel

SCHEMA_V1 = "CREATE TABLE videos (\n    id bigint PRIMARY KEY,\n    title text NOT NULL\n);\n"
SCHEMA_V2 = SCHEMA_V1 + "CREATE TABLE tags (\n    id bigint PRIMARY KEY,\n    name text\n);\n"
QUEUED = re.compile(r"^queued (\S+) \(env (\w+), id ([0-9a-f]+)\)$")
OUTCOME = re.compile(r"^(?:built (\S+) → |failed (\S+): )")


# ---------------------------------------------------------------- repositories and helpers
def run_git(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def ok_git(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = run_git(folder, *args, env=env)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result


def commit_file(folder: Path, name: str, text: str, message: str, env: dict[str, str]) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    ok_git(folder, "add", name, env=env)
    ok_git(folder, "commit", "-qm", message, env=env)


def make_source_repo(folder: Path) -> Path:
    """A small source repository: the schema at sql/momentry.sql, release v1.3.0 (lightweight)."""
    git(folder.parent, "init", "-q", "-b", "main", str(folder))
    (folder / "sql").mkdir()
    (folder / "sql" / "momentry.sql").write_text(SCHEMA_V1)
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "v1.3.0")
    git(folder, "tag", "v1.3.0")
    return folder


def make_content_root(folder: Path, source: Path) -> Path:
    """What the hooks need of a content repository: its params.yaml (system.source → source)."""
    folder.mkdir()
    params = (PROJECT / "params.yaml").read_text(encoding="utf-8")
    params, count = re.subn(r"(?m)^(  source: )\S+", lambda m: m.group(1) + str(source), params)
    assert count == 1, "params.yaml: system.source not found"
    (folder / "params.yaml").write_text(params, encoding="utf-8")
    return folder


def queued(content: Path) -> list[tuple[str, str, str]]:
    log = taghook.build_log(content)
    lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    return [m.groups() for line in lines if (m := QUEUED.match(line))]


def outcomes(content: Path) -> list[str]:
    log = taghook.build_log(content)
    lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    return [m.group(1) or m.group(2) for line in lines if (m := OUTCOME.match(line))]


def wait_for_outcomes(content: Path, timeout: float) -> None:
    """Until every queued tag has its `built` or `failed` line (its worker is done)."""
    deadline = time.monotonic() + timeout
    while len(outcomes(content)) < len(queued(content)):
        if time.monotonic() > deadline:
            log = taghook.build_log(content)
            pytest.fail(f"builds still running after {timeout} s; build.log:\n{log.read_text()}")
        time.sleep(0.2)


def install(content: Path, source: Path, env: dict[str, str]):
    return run_momrel("hooks", "install", "--source", str(source), env={**env, "MOMREL_REPO": str(content)})


@pytest.fixture
def hook_env(pg_server):
    """The environment git runs with: no repository of the caller's, scratch databases on the
    session's server (a worker that gets as far as a schema diff starts no server of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOMREL_")}
    env["MOMREL_SCRATCH_URL"] = pg_server.url("postgres")
    return env


@pytest.fixture
def hooked(tmp_path, hook_env):
    """(source, content): a source repository with the hooks installed for a content root.
    Afterwards, waits for every queued build's outcome (no worker outlives the test)."""
    source = make_source_repo(tmp_path / "source")
    content = make_content_root(tmp_path / "content", source)
    result = install(content, source, hook_env)
    assert result.returncode == 0, result.stderr
    yield source, content
    wait_for_outcomes(content, 60)


# ---------------------------------------------------------------- tag hooks
def test_install_writes_the_hooks_and_records_existing_tags(hooked, hook_env):
    source, content = hooked
    hooks = source / ".git" / "hooks"
    for name in ("reference-transaction", "pre-commit"):
        script = (hooks / name).read_text()
        assert hookscripts.MARKER in script.splitlines()[1]
        assert os.access(hooks / name, os.X_OK)
        assert f"CONTENT={content}" in script and f"SOURCE={source}" in script
    assert not (hooks / "post-receive").exists()
    seen = (content / taghook.HOOK_DIR / taghook.SEEN_FILE).read_text()
    assert seen == f"{git(source, 'rev-parse', 'v1.3.0').strip()} v1.3.0\n"
    # Installing again replaces momrel's own hooks and builds nothing.
    result = install(content, source, hook_env)
    assert result.returncode == 0, result.stderr
    assert f"installed: {hooks / 'reference-transaction'}" in result.stdout
    assert str(taghook.build_log(content)) in result.stdout
    assert queued(content) == []


def test_lightweight_and_annotated_tags_are_queued_once_with_their_environment(hooked, hook_env):
    source, content = hooked
    commit_file(source, "sql/momentry.sql", SCHEMA_V2, "tags table", hook_env)
    result = ok_git(source, "tag", "v1.4.0", env=hook_env)
    assert "building the prod package of v1.4.0 in the background" in result.stderr
    ok_git(source, "tag", "-a", "v1.5.0-rc.1", "-m", "release candidate", env=hook_env)
    head = git(source, "rev-parse", "HEAD").strip()
    tag_object = git(source, "rev-parse", "refs/tags/v1.5.0-rc.1").strip()
    assert tag_object != head
    assert queued(content) == [("v1.4.0", "prod", head), ("v1.5.0-rc.1", "dev", tag_object)]


def test_replays_deletions_branches_and_other_tags_queue_nothing(hooked, hook_env):
    source, content = hooked
    old_id = git(source, "rev-parse", "v1.3.0").strip()
    for args in (("pack-refs", "--all"), ("gc", "-q"), ("pack-refs", "--all")):
        ok_git(source, *args, env=hook_env)
    commit_file(source, "README", "hello\n", "a branch commit", hook_env)
    ok_git(source, "checkout", "-qb", "feature", env=hook_env)
    commit_file(source, "NOTES", "notes\n", "another", hook_env)
    ok_git(source, "tag", "latest", env=hook_env)
    ok_git(source, "tag", "-a", "v1", "-m", "not a version", env=hook_env)
    ok_git(source, "tag", "-d", "v1.3.0", env=hook_env)
    ok_git(source, "tag", "v1.3.0", old_id, env=hook_env)     # put back: the same id
    assert queued(content) == []
    # Deleted and tagged again on another commit: a new id, a new build.
    ok_git(source, "tag", "-d", "v1.3.0", env=hook_env)
    ok_git(source, "tag", "v1.3.0", env=hook_env)
    assert queued(content) == [("v1.3.0", "prod", git(source, "rev-parse", "HEAD").strip())]


def test_fetch_of_existing_tags_into_a_clone_queues_nothing(hooked, hook_env, tmp_path):
    source, content = hooked
    commit_file(source, "sql/momentry.sql", SCHEMA_V2, "tags table", hook_env)
    ok_git(source, "tag", "v1.4.0", env=hook_env)
    assert [q[0] for q in queued(content)] == ["v1.4.0"]
    clone = tmp_path / "clone"
    ok_git(tmp_path, "clone", "-q", str(source), str(clone), env=hook_env)
    assert install(content, clone, hook_env).returncode == 0
    ok_git(clone, "tag", "-d", "v1.3.0", "v1.4.0", env=hook_env)
    ok_git(clone, "fetch", "-q", "--tags", "origin", env=hook_env)
    assert git(clone, "tag").split() == ["v1.3.0", "v1.4.0"]
    # A tag made in the source after the clone's install: built there, fetched here, built once.
    ok_git(source, "tag", "-a", "v1.4.1", "-m", "patch", env=hook_env)
    ok_git(clone, "fetch", "-q", "--tags", "origin", env=hook_env)
    ok_git(clone, "gc", "-q", env=hook_env)
    assert [q[0] for q in queued(content)] == ["v1.4.0", "v1.4.1"]
    assert taghook.wait_for_build(content, "v1.4.1", 60).startswith("failed v1.4.1: ")  # no scripts


def test_post_receive_in_a_bare_repository_queues_pushed_tags(tmp_path, hook_env):
    source = make_source_repo(tmp_path / "source")
    central = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(central))
    content = make_content_root(tmp_path / "content", central)
    result = install(content, central, hook_env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (central / "hooks").iterdir() if hookscripts.is_ours(p)) == ["post-receive"]
    try:
        git(source, "remote", "add", "central", str(central))
        commit_file(source, "sql/momentry.sql", SCHEMA_V2, "tags table", hook_env)
        ok_git(source, "push", "-q", "central", "main", env=hook_env)
        ok_git(source, "tag", "v1.4.0-dev.1", env=hook_env)
        ok_git(source, "tag", "latest", env=hook_env)
        pushed = ok_git(source, "push", "central", "--tags", env=hook_env)
        assert "building the dev package of v1.4.0-dev.1" in pushed.stderr
        ok_git(source, "push", "-q", "central", "--tags", env=hook_env)               # nothing new
        ok_git(source, "push", "-q", "central", ":refs/tags/v1.4.0-dev.1", env=hook_env)  # deleted
        head = git(source, "rev-parse", "HEAD").strip()
        assert queued(content) == [("v1.4.0-dev.1", "dev", head)]
    finally:
        wait_for_outcomes(content, 60)


def test_git_tag_neither_waits_for_nor_fails_with_the_build(hooked, hook_env, tmp_path):
    source, content = hooked
    # A build of this content repository is running (it holds the build lock): the new tag's
    # worker waits for it, git does not.
    with open(taghook.hook_folder(content) / taghook.BUILD_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        ok_git(source, "tag", "v1.4.0", env=hook_env)
        assert time.monotonic() - started < 5
        assert [q[0] for q in queued(content)] == ["v1.4.0"]
        time.sleep(1)
        assert outcomes(content) == []
    wait_for_outcomes(content, 60)
    # The content repository is gone: the tag is still made, the hook says why nothing builds.
    moved = tmp_path / "moved"
    content.rename(moved)
    try:
        result = ok_git(source, "tag", "v1.6.0", env=hook_env)
        assert "momrel: error:" in result.stderr and "no content repository there" in result.stderr
        assert not content.exists()
        assert "v1.6.0" in git(source, "tag").split()
    finally:
        moved.rename(content)


def test_a_hook_momrel_did_not_write_is_left_alone(tmp_path, hook_env):
    source = make_source_repo(tmp_path / "source")
    content = make_content_root(tmp_path / "content", source)
    theirs = source / ".git" / "hooks" / "pre-commit"
    theirs.write_text("#!/bin/sh\necho their own check\n")
    result = install(content, source, hook_env)
    line = one_line_error(result, 1)
    assert str(theirs) in line and "momrel did not write" in line
    assert theirs.read_text() == "#!/bin/sh\necho their own check\n"
    assert not (source / ".git" / "hooks" / "reference-transaction").exists()


def test_hooks_follow_core_hookspath(tmp_path, hook_env):
    source = make_source_repo(tmp_path / "source")
    content = make_content_root(tmp_path / "content", source)
    shared = tmp_path / "shared-hooks"
    git(source, "config", "core.hooksPath", str(shared))
    assert install(content, source, hook_env).returncode == 0
    assert (shared / "reference-transaction").is_file()
    try:
        ok_git(source, "tag", "v2.0.0", env=hook_env)
        assert [q[0] for q in queued(content)] == ["v2.0.0"]
    finally:
        wait_for_outcomes(content, 60)


# ---------------------------------------------------------------- the logic, without git
def test_ref_update_lines():
    zero, zero256, a, b = "0" * 40, "0" * 64, "a" * 40, "b" * 64
    lines = [f"{zero} {a} refs/tags/v1.4.0",              # created
             f"{zero256} {b} refs/tags/v2.0.0-rc.1",       # created, sha256
             f"{a} {zero} refs/tags/v1.3.0",               # deleted
             f"{zero} {a} refs/heads/main",                # a branch
             f"{zero} {a} refs/tags/latest",               # not a version
             f"{zero} {zero} refs/tags/v1.2.0",            # deleted (as pack-refs says it)
             f"{zero} {a} refs/tags/v1.4.0",               # the same line again
             "not a line", f"{zero} {b} refs/tags/v9.0.0", f"{zero} {'z' * 40} refs/tags/v9.0.1",
             f"{zero} {a} refs/tags/v9.0.2 extra"]
    updates = taghook.parse_ref_updates("\n".join(lines) + "\n")
    assert len(updates) == 7          # the last four lines are not `<old> <new> <ref>`
    assert taghook.created_release_tags(updates) == [("v1.4.0", a), ("v2.0.0-rc.1", b)]
    assert [taghook.environment_of(t) for t in ("v1.4.0", "v2.0.0-rc.1")] == ["prod", "dev"]


# ---------------------------------------------------------------- pre-commit
def test_pre_commit_refuses_a_schema_that_does_not_parse(hooked, hook_env):
    source, _ = hooked
    (source / "sql" / "momentry.sql").write_text(SCHEMA_V1 + "CREATE TABLE broken (id bigint\n")
    ok_git(source, "add", "sql/momentry.sql", env=hook_env)
    result = run_git(source, "commit", "-qm", "broken", env=hook_env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("momrel: error: staged:sql/momentry.sql:"), result.stderr
    assert git(source, "rev-list", "--count", "HEAD").strip() == "1"


def test_pre_commit_prints_the_verified_summary(hooked, hook_env):
    source, _ = hooked
    # Dropping a column carries a hazard: reported (it is acknowledged at tag time), not refused.
    schema = SCHEMA_V2.replace("    title text NOT NULL\n", "").replace("PRIMARY KEY,\n);", "PRIMARY KEY\n);")
    (source / "sql" / "momentry.sql").write_text(schema)
    ok_git(source, "add", "sql/momentry.sql", env=hook_env)
    result = ok_git(source, "commit", "-qm", "tags, no title", env=hook_env)
    output = result.stdout + result.stderr
    assert "sql/momentry.sql: the staged schema parses; its migration from HEAD verified for schema public" in output
    assert 'CREATE TABLE "tags"' in output
    assert re.search(r'ALTER TABLE "videos" DROP COLUMN "title" +-- hazards: .*deletes-data', output), output
    assert "allow-hazards: backward-incompatible,deletes-data" in output
    # A commit that does not touch the schema: the check says nothing.
    commit_file(source, "README", "hello\n", "readme", hook_env)
    last = ok_git(source, "commit", "--allow-empty", "-qm", "empty", env=hook_env)
    assert last.stdout + last.stderr == ""


def test_check_staged_before_the_first_commit_diffs_from_an_empty_schema(tmp_path, hook_env):
    source = tmp_path / "fresh"
    git(tmp_path, "init", "-q", "-b", "main", str(source))
    (source / "sql").mkdir()
    (source / "sql" / "momentry.sql").write_text(SCHEMA_V1)
    assert run_momrel("schema", "check-staged", cwd=source, env=hook_env).stdout == ""   # not staged
    git(source, "add", "-A")
    result = run_momrel("schema", "check-staged", "--source", str(source), env=hook_env)
    assert result.returncode == 0, result.stderr
    assert "its migration from empty verified for schema public: 2 statements, no hazards" in result.stdout
    assert '  CREATE TABLE "videos" (' in result.stdout
    (source / "sql" / "momentry.sql").write_text("CREATE TABLE (\n")
    git(source, "add", "-A")
    one_line_error(run_momrel("schema", "check-staged", cwd=source, env=hook_env), 2)


def test_pre_commit_framework_hook_definition():
    (hook,) = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "momrel-schema-check"
    assert hook["entry"] == "momrel schema check-staged"
    assert (hook["language"], hook["pass_filenames"], hook["files"]) == ("python", False, r"\.sql$")


# ---------------------------------------------------------------- end to end
def _build_available() -> bool:
    return all(importlib.util.find_spec(m) is not None
               for m in ("momrel.syspkg.build", "momrel.demo.source_repo"))


@pytest.mark.skipif(not _build_available(), reason="the system build or the demo source is not there yet")
def test_an_annotated_tag_builds_the_prod_package(tmp_path, database_url, hook_env):
    repo = make_content_repo(tmp_path, database_url)
    source = tmp_path / "momentry"
    repo.ok("demo", "source", "--path", str(source))
    params = repo.root / "params.yaml"
    text, count = re.subn(r"(?m)^(  source: )\S+", lambda m: m.group(1) + str(source),
                          params.read_text(encoding="utf-8"))
    assert count == 1
    params.write_text(text, encoding="utf-8")
    assert repo.momrel("hooks", "install", "--source", str(source)).returncode == 0
    env = repo.env()
    if "v1.4.0" in git(source, "tag").split():      # the demo's history may end with it
        ok_git(source, "tag", "-d", "v1.4.0", env=env)
    ok_git(source, "tag", "-a", "v1.4.0", "-m", "Release 1.4.0\n\nallow-hazards: all", env=env)
    assert [q[:2] for q in queued(repo.root)] == [("v1.4.0", "prod")]
    package = repo.root / "release" / "system" / "prod" / "v1.4.0"
    try:
        outcome = taghook.wait_for_build(repo.root, "v1.4.0", 120)
    finally:
        log = taghook.build_log(repo.root).read_text()
    assert outcome == f"built v1.4.0 → {package.relative_to(repo.root)}", log
    assert {"release.json", "SHA256SUMS", "source.tar.gz", "RELEASE_INFO.txt"} <= {
        p.name for p in package.iterdir()}
