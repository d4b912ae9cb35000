"""`momrel demo source`: the example Momentry source repository, with real git, a real cargo
build of its service, real processes answering HTTP, and its scripts run on real files.

cargo builds once per module (module-scoped fixture); every process a test starts is stopped
in a `finally`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from momrel.demo.source_repo import SCHEMAS, V1_4_0_HAZARDS, create_source_repository
from momrel.syspkg.toolchain import build_arguments, cargo_build, find_cargo
from support import env_outside_repositories, git, one_line_error, raises_momrel_error, run_momrel

TAGS = ["v1.3.0", "v1.4.0-dev.1", "v1.4.0"]
SCRIPTS = ["pipeline_status.py", "generate_asr1.py", "apply_asr_corrections.py",
           "clean_sentence_text.py", "import_file_package.py"]


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return create_source_repository(tmp_path_factory.mktemp("demo-source") / "momentry")


@pytest.fixture(scope="module")
def checkout(source, tmp_path_factory):
    """A clone at the last release with `momentry_playground` built: target/debug/."""
    root = tmp_path_factory.mktemp("checkout") / "momentry"
    git(root.parent, "clone", "-q", str(source.path), str(root))
    git(root, "checkout", "-q", "--detach", source.last_tag)
    cargo_build(root, ["--bin", "momentry_playground"])
    return root


@pytest.fixture
def binary(checkout) -> Path:
    return checkout / "target" / "debug" / "momentry_playground"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_file(folder: Path, port: int, schema: str = "dev", name: str = ".env.development") -> Path:
    path = folder / name
    path.write_text(f"# written by the test\nPORT={port}\nDATABASE_SCHEMA={schema}\nRUST_LOG=debug\n")
    return path


def get(url: str, tries: int = 50) -> tuple[int, dict]:
    """Status and JSON body of GET url, waiting up to 5 s for the server to listen."""
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)
        except urllib.error.URLError:
            if attempt == tries - 1:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def running(*command: str, cwd: Path | None = None):
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        stop(process.pid)
        process.wait(timeout=10)
        process.stderr.close()


def stop(pid: int) -> None:
    """SIGTERM, then SIGKILL after 5 s; nothing if it is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        for _ in range(50):
            if not alive(pid):
                return
            time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"     # a zombie has exited
    except FileNotFoundError:
        return False


def run(*command: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- the repository
def test_tags_in_order_with_their_versions_and_schemas(source):
    root = source.path
    assert source.tags == TAGS and source.last_tag == "v1.4.0"
    assert git(root, "for-each-ref", "--sort=creatordate", "--format=%(refname:short)",
               "refs/tags").split() == TAGS
    commits = git(root, "rev-list", "--reverse", "main").split()
    assert [git(root, "rev-parse", f"{tag}^{{commit}}").strip() for tag in TAGS] == commits
    for tag in TAGS:
        assert git(root, "cat-file", "-t", tag).strip() == "tag", f"{tag} is annotated"
        version = tag.removeprefix("v")
        assert f'\nversion = "{version}"\n' in git(root, "show", f"{tag}:Cargo.toml")
        assert f'name = "momentry"\nversion = "{version}"\n' in git(root, "show", f"{tag}:Cargo.lock")
    schemas = {"v1.3.0": (SCHEMAS.parent.parent / "schema_v1.sql").read_text(),
               "v1.4.0-dev.1": (SCHEMAS / "v1.4.0-dev.1.sql").read_text(),
               "v1.4.0": (SCHEMAS / "v1.4.0.sql").read_text()}
    assert len(set(schemas.values())) == 3
    for tag in TAGS:
        assert git(root, "show", f"{tag}:sql/momentry.sql") == schemas[tag]

    files = {line.split("\t")[1]: line.split(" ")[0]
             for line in git(root, "ls-tree", "-r", "v1.4.0").splitlines()}
    for name in ["Cargo.toml", "Cargo.lock", ".gitignore", "README.md", "src/lib.rs",
                 "src/bin/momentry.rs", "src/bin/momentry_playground.rs", "sql/momentry.sql",
                 ".github/workflows/release.yml"]:
        assert files.pop(name) == "100644", name
    executables = ["test/api_test.sh", "deploy/restart.sh", *(f"scripts/{s}" for s in SCRIPTS)]
    assert files == dict.fromkeys(executables, "100755")
    assert git(root, "status", "--porcelain") == ""


def test_same_shas_on_every_run_and_the_untagged_last_release(source, tmp_path):
    again = create_source_repository(tmp_path / "again")
    for tag in TAGS:    # tag objects, so tagger, date and message too
        assert git(again.path, "rev-parse", tag) == git(source.path, "rev-parse", tag)

    untagged = create_source_repository(tmp_path / "untagged", tag_last=False)
    assert untagged.tags == TAGS[:2] and untagged.last_tag == "v1.4.0"
    assert git(untagged.path, "tag").split() == TAGS[:2]
    assert git(untagged.path, "rev-parse", "HEAD") == git(source.path, "rev-parse", "v1.4.0^{commit}")
    message = git(source.path, "cat-file", "tag", "v1.4.0").split("\n\n", 1)[1]
    assert untagged.last_tag_message == message == source.last_tag_message
    assert f"\nallow-hazards: {','.join(V1_4_0_HAZARDS)}\n" in message


def test_refuses_a_path_that_is_not_an_empty_folder(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    (tmp_path / "file").write_text("a file")
    (tmp_path / "link").symlink_to(tmp_path / "empty-target")
    for name in ("full", "file", "link"):
        with raises_momrel_error(1, match="exists and is not an empty folder"):
            create_source_repository(tmp_path / name)
    assert (tmp_path / "full" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "full", "link"], "nothing left behind"

    (tmp_path / "empty").mkdir()
    assert create_source_repository(tmp_path / "empty").tags == TAGS


def test_cli(tmp_path):
    env = env_outside_repositories()
    result = run_momrel("demo", "source", "--path", str(tmp_path / "src"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert f"example source repository: {tmp_path / 'src'}" in result.stdout
    assert "tags: v1.3.0, v1.4.0-dev.1, v1.4.0" in result.stdout
    assert f"momrel system build --env dev --ref v1.4.0-dev.1 --source {tmp_path / 'src'}" in result.stdout
    assert f"momrel system build --env prod --ref v1.4.0 --source {tmp_path / 'src'}" in result.stdout

    result = run_momrel("demo", "source", "--path", "untagged", "--untagged-last", "--json",
                        cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["path"] == str(tmp_path / "untagged") and shown["tags"] == TAGS[:2]
    assert shown["last_tag"] == "v1.4.0" and "allow-hazards: " in shown["last_tag_message"]

    again = run_momrel("demo", "source", "--path", "untagged", cwd=tmp_path, env=env)
    assert "not an empty folder" in one_line_error(again, 1)


def test_tag_message_acknowledges_exactly_the_hazards_of_v1_4_0(source, pg_server, tmp_path):
    """The kinds the differ finds for schema public, from v1.3.0 and from v1.4.0-dev.1."""
    for tag in TAGS:
        (tmp_path / f"{tag}.sql").write_text(git(source.path, "show", f"{tag}:sql/momentry.sql"))
    env = env_outside_repositories() | {"MOMREL_SCRATCH_URL": pg_server.url("postgres")}

    def hazard_kinds(old: str, new: str) -> set[str]:
        result = run_momrel("schema", "diff", f"{old}.sql", f"{new}.sql", "--schema", "public",
                            "--format", "json", "--allow-hazards", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        migration = json.loads(result.stdout)
        assert migration["verified"]
        return {h["kind"] for s in migration["statements"] for h in s["hazards"]}

    assert hazard_kinds("v1.3.0", "v1.4.0-dev.1") == set()
    assert hazard_kinds("v1.3.0", "v1.4.0") == set(V1_4_0_HAZARDS)
    assert hazard_kinds("v1.4.0-dev.1", "v1.4.0") == set(V1_4_0_HAZARDS)


def test_release_workflow_triggers_on_final_v_tags_and_builds_the_prod_package(source):
    workflow = yaml.safe_load(git(source.path, "show", "v1.4.0:.github/workflows/release.yml"))
    trigger = workflow.get("on", workflow.get(True))    # YAML 1.1 reads a bare `on` as true
    assert trigger == {"push": {"tags": ["v*"]}}
    (job,) = workflow["jobs"].values()
    assert "contains(github.ref_name, '-')" in job["if"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert ('momrel system build --env prod --ref "$GITHUB_REF_NAME" '
            '--source "$GITHUB_WORKSPACE/source"') in commands
    assert "dvc push" in commands and "git push" in commands
    checkouts = [step["with"] for step in job["steps"] if step.get("uses", "").startswith("actions/checkout")]
    assert checkouts[0]["fetch-depth"] == 0 and checkouts[0]["path"] == "source"
    assert "vars.MOMREL_CONTENT_REPOSITORY" in checkouts[1]["repository"]


# ---------------------------------------------------------------- cargo and the service
def test_cargo_is_found_and_its_failures_are_one_line(checkout, monkeypatch, tmp_path):
    assert git(checkout, "status", "--porcelain") == "", "the build changes no tracked file"
    assert find_cargo().name == "cargo"
    with raises_momrel_error(1, match=r"no bin target named `nope`"):
        cargo_build(checkout, ["--bin", "nope"])
    assert build_arguments("cargo build --release --bin momentry") == ["--release", "--bin", "momentry"]
    with raises_momrel_error(2, match="is not `cargo build"):
        build_arguments("make all")

    monkeypatch.setenv("PATH", str(tmp_path))           # rustup's folder is the fallback
    assert find_cargo() == Path.home() / ".cargo" / "bin" / "cargo"
    monkeypatch.setenv("HOME", str(tmp_path))
    with raises_momrel_error(1, match=r"^cargo not found on PATH or in ~/.cargo/bin: install Rust"):
        find_cargo()


def test_playground_answers_health_with_its_version_and_schema(binary, tmp_path):
    port = free_port()
    with running(str(binary), "--env-file", str(env_file(tmp_path, port))):
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/health") == (200, {"status": "ok", "service": "momentry_playground",
                                               "version": "1.4.0", "schema": "dev"})
        assert get(f"{base}/api/v1/files")[0] == 404


def test_playground_reads_its_default_env_file(binary, tmp_path):
    port = free_port()
    env_file(tmp_path, port, schema="public")
    with running(str(binary), cwd=tmp_path):
        assert get(f"http://127.0.0.1:{port}/health")[1]["schema"] == "public"


def test_missing_env_file_or_port_exits_2(binary, tmp_path):
    missing = run(str(binary), "--env-file", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and len(lines(missing.stderr)) == 1
    assert "cannot read env file" in missing.stderr
    (tmp_path / ".env.development").write_text("DATABASE_SCHEMA=dev\n")
    no_port = run(str(binary), cwd=tmp_path)
    assert no_port.returncode == 2 and lines(no_port.stderr) == [
        "momentry_playground: env file .env.development: PORT is not set"]


def test_api_test_sh_passes_with_the_version_and_fails_in_one_line_without(checkout, binary, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    smoke = str(checkout / "test" / "api_test.sh")
    # Started just before: the smoke test waits for the service to listen.
    with running(str(binary), "--env-file", str(env_file(tmp_path, port))):
        passed = run("sh", smoke, base, "v1.4.0")
        assert passed.returncode == 0, passed.stderr
        assert run("sh", smoke, base + "/", "1.4.0").returncode == 0
        failed = run("sh", smoke, base, "v1.3.0")
        assert failed.returncode == 1 and failed.stdout == ""
        assert lines(failed.stderr) == [f"api_test: FAIL {base}/health: version '1.4.0', expected '1.3.0'"]
        wrong_path = run("sh", smoke, base + "/api", "v1.4.0")
        assert wrong_path.returncode == 1 and lines(wrong_path.stderr) == [
            f"api_test: FAIL {base}/api/health: HTTP 404"]
    assert run("sh", smoke, base).returncode == 2


def test_restart_sh_replaces_the_running_service(checkout, binary, tmp_path):
    port = free_port()
    env = dict(os.environ, MOMENTRY_RUN_DIR=str(tmp_path / "run"))
    env_path = env_file(tmp_path, port)
    pid_file = tmp_path / "run" / "service.pid"
    started = []
    try:
        for _ in range(2):
            result = run("sh", "deploy/restart.sh", str(binary), str(env_path), cwd=checkout, env=env)
            assert result.returncode == 0, result.stderr
            started.append(int(pid_file.read_text()))
            assert get(f"http://127.0.0.1:{port}/health")[1]["version"] == "1.4.0"
        assert started[0] != started[1] and not alive(started[0]) and alive(started[1])
        assert f"stopped pid {started[0]}" in result.stdout
        assert "listening on" in (tmp_path / "run" / "service.log").read_text()
    finally:
        for pid in started:
            stop(pid)


# ---------------------------------------------------------------- the scripts
def test_pipeline_scripts_do_their_jobs(checkout, tmp_path):
    scripts = checkout / "scripts"
    for name in SCRIPTS:
        helped = run(sys.executable, str(scripts / name), "--help")
        assert helped.returncode == 0 and "usage:" in helped.stdout, name

    out = tmp_path / "out"
    out.mkdir()
    segments = [{"start": 2.5, "end": 4.0, "text": "  sentence   one , of video ", "speaker": "S1"},
                {"start": 0.0, "end": 2.0, "text": "hello  teh world", "speaker": "S0"},
                {"start": 2.1, "end": 2.4, "text": "again!!", "speaker": "S0"},
                {"start": 5.0, "end": 6.0, "text": "   ", "speaker": "S2"}]
    (out / "u1.asr.json").write_text(json.dumps({"file_uuid": "u1", "processor": "asr", "items": segments}))

    def script(name, *args):
        return run(sys.executable, str(scripts / name), *args)

    made = script("generate_asr1.py", "--output-dir", str(out), "u1")
    assert made.returncode == 0 and made.stdout == "u1: 2 sentences -> u1.asr-1.json\n"
    first_pass = json.loads((out / "u1.asr-1.json").read_text())
    assert first_pass["processor"] == "asr-1"
    assert [(s["start"], s["end"], s["text"]) for s in first_pass["items"]] == [
        (0.0, 2.4, "hello teh world again!!"), (2.5, 4.0, "sentence one , of video")]

    corrections = tmp_path / "corrections.json"
    corrections.write_text(json.dumps({"sentences": [{"index": 1, "text": "sentence one , of the video"}],
                                       "words": {"teh": "the"}}))
    fixed = script("apply_asr_corrections.py", "--output-dir", str(out), "--corrections",
                   str(corrections), "u1")
    assert fixed.returncode == 0 and fixed.stdout == "u1: 2 sentences corrected\n"
    corrections.write_text(json.dumps({"sentences": [{"index": 7, "text": "nowhere"}]}))
    refused = script("apply_asr_corrections.py", "--output-dir", str(out), "--corrections",
                     str(corrections), "u1")
    assert refused.returncode == 1 and "sentence 7 does not exist" in refused.stderr

    cleaned = script("clean_sentence_text.py", str(out / "u1.asr-1.json"))
    assert cleaned.returncode == 0, cleaned.stderr
    assert [s["text"] for s in json.loads((out / "u1.asr-1.json").read_text())["items"]] == [
        "Hello the world again!", "Sentence one, of the video."]
    piped = subprocess.run([sys.executable, str(scripts / "clean_sentence_text.py")], text=True,
                           input="wait...what\n\u201cquoted\u201d  text ,here\n", capture_output=True)
    assert piped.stdout == 'Wait... what.\n"Quoted" text, here.\n'

    status = script("pipeline_status.py", "--output-dir", str(out))
    assert status.returncode == 1 and status.stdout.startswith("u1  2/9  missing: asrx, yolo")
    status = script("pipeline_status.py", "--output-dir", str(out), "--processors", "asr,asr-1", "--json")
    assert status.returncode == 0 and json.loads(status.stdout) == {"u1": {"asr": True, "asr-1": True}}


def test_import_file_package_runs_momrel_file_import(checkout, tmp_path):
    """Its arguments reach `momrel file import`, and momrel's exit code comes back."""
    env = env_outside_repositories() | {"MOMREL": f"{sys.executable} -m momrel"}
    result = run(sys.executable, str(checkout / "scripts" / "import_file_package.py"),
                 "--package", str(tmp_path / "pkg"), "--uuid", "x", cwd=tmp_path, env=env)
    assert result.returncode == 2 and lines(result.stderr)[-1].startswith("momrel: error: no params.yaml")
    env["MOMREL"] = str(tmp_path / "no-momrel")
    result = run(sys.executable, str(checkout / "scripts" / "import_file_package.py"),
                 "--package", "pkg", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "not found" in result.stderr
