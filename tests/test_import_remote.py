"""Import with remote parts: the register API assigns the target uuid (a real HTTP server in a
thread), and packages travel through an S3-compatible DVC remote (moto's server)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from psycopg import sql

from momrel.filepkg import manifest
from package_support import PROD_COLLECTIONS, U, all_points, full_state, import_args, qdrant_points
from support import FILES, clone_and_pull, one_line_error, tree_bytes

PER_FILE_TABLES = ("face_detections", "tkg_nodes", "tkg_edges")
REGISTER_PATH = "/api/v1/files/register"
# The request body documented in momrel/filepkg/register.py (plus source_file_uuid).
REGISTRATION_FIELDS = ("filename", "duration", "fps", "width", "height", "size_bytes", "sha256")


# ---------------------------------------------------------------- a register API in a thread
class RegisterApi:
    """POST /api/v1/files/register: records every JSON body, answers (status, body)."""

    def __init__(self, status: int, body: bytes | dict):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.requests: list[tuple[str, dict | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    received = json.loads(raw)
                except ValueError:
                    received = None
                api.requests.append((self.path, received))
                if self.path != REGISTER_PATH:
                    self._answer(404, b'{"error": "not found"}')
                else:
                    self._answer(api.status, api.body)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "RegisterApi":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def silent_server():
    """Accepts connections and never writes a byte (an API that hangs)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


# ---------------------------------------------------------------- helpers
def file_rows(repo, schema: str, file_uuid: str) -> dict[str, int]:
    return {table: repo.sql(sql.SQL("SELECT count(*) FROM {} WHERE file_uuid = %s").format(
                sql.Identifier(schema, table)), (file_uuid,))[0][0]
            for table in PER_FILE_TABLES}


# ---------------------------------------------------------------- register API: success
@pytest.mark.parametrize("envelope", ["flat", "data"])
def test_register_url_assigns_the_target_uuid(seeded_repo, package, envelope):
    repo = seeded_repo
    metadata = manifest.read_metadata(package)
    target = str(uuid.uuid4())
    answer = {"file_uuid": target} if envelope == "flat" else {"data": {"file_uuid": target}}

    with RegisterApi(201, answer) as api:
        result = repo.momrel(*import_args(package, "--register-url", api.url, "--json"))
    assert result.returncode == 0, result.stderr

    # The API got one registration request describing the package's file.
    assert len(api.requests) == 1
    path, body = api.requests[0]
    assert path == REGISTER_PATH
    registration = metadata["registration"]
    assert body["source_file_uuid"] == U
    assert body["filename"] == registration["filename"]
    assert body["sha256"] == registration["sha256"]
    assert body == {**{key: registration[key] for key in REGISTRATION_FIELDS},
                    "source_file_uuid": U}

    summary = json.loads(result.stdout)
    assert summary["source_uuid"] == U
    assert summary["target_uuid"] == target

    # PostgreSQL: registered under the API's uuid, never under the package's.
    assert repo.sql("SELECT file_uuid::text, status FROM public.files") == \
        [(target, "registered_processed")]
    expected_rows = {t: metadata["tables"][t]["rows"] for t in PER_FILE_TABLES}
    assert file_rows(repo, "public", target) == expected_rows
    assert file_rows(repo, "public", U) == {t: 0 for t in PER_FILE_TABLES}
    for table in PER_FILE_TABLES:
        assert repo.sql(sql.SQL("SELECT count(*) FROM {} WHERE file_uuid <> %s").format(
            sql.Identifier("public", table)), (target,)) == [(0,)], table

    # Processor JSON under the target uuid.
    output = repo.config().env("prod").output_dir
    assert sorted(p.name for p in output.iterdir()) == \
        sorted(f"{target}.{name}.json" for name in metadata["processors"])

    # Qdrant (after the momrel process exited: local storage has one client at a time).
    expected_points = {logical: c["points"] for logical, c in metadata["collections"].items()}
    assert qdrant_points(repo, target) == expected_points
    assert qdrant_points(repo, U) == {logical: 0 for logical in PROD_COLLECTIONS}
    every_point = all_points(repo)
    assert {logical: len(every_point[name]) for logical, name in PROD_COLLECTIONS.items()} == \
        expected_points


# ---------------------------------------------------------------- register API: failures
def test_register_url_errors(seeded_repo, package):
    repo = seeded_repo
    before = full_state(repo)

    def run_import(url: str, *extra: str):
        started = time.monotonic()
        result = repo.momrel(*import_args(package, "--register-url", url, *extra))
        return result, time.monotonic() - started

    # The API fails: its status and what it said, on one line.
    with RegisterApi(500, b"database is down") as api:
        result, _ = run_import(api.url)
    line = one_line_error(result, 1)
    assert "HTTP 500" in line and "database is down" in line
    assert len(api.requests) == 1
    assert full_state(repo) == before

    # The API accepts the connection and never answers.
    with silent_server() as (url, accepted):
        result, seconds = run_import(url, "--register-timeout", "1")
        assert accepted, "momrel never connected"
    line = one_line_error(result, 1)
    assert "did not answer within 1 s" in line
    assert 1 <= seconds < 8, f"gave up after {seconds:.1f} s"
    assert full_state(repo) == before

    # 200 without a file_uuid.
    with RegisterApi(200, {"status": "ok", "id": 42}) as api:
        result, _ = run_import(api.url)
    line = one_line_error(result, 1)
    assert "file_uuid" in line
    assert full_state(repo) == before

    # Not an http(s) URL.
    result, _ = run_import("127.0.0.1:3002")
    line = one_line_error(result, 1)
    assert "http://" in line
    assert full_state(repo) == before


# ---------------------------------------------------------------- S3 remote (moto)
def moto_port(server) -> int:
    if hasattr(server, "get_host_and_port"):
        return server.get_host_and_port()[1]
    return server._server.server_address[1]


def test_s3_remote_push_pull_import(seeded_repo, tmp_path, monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    # No ~/.aws of the machine: the dummy credentials above are the only ones.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))

    repo = seeded_repo
    wanted, other = FILES[0], FILES[1]
    bucket = "momrel-packages"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{moto_port(server)}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)

        for file_uuid in (wanted, other):
            repo.ok("file", "add", file_uuid, "--version", "1.0.0")
        repo.dvc("repro", "-P")
        repo.dvc("remote", "add", "-d", "s3", f"s3://{bucket}/store")
        repo.dvc("remote", "modify", "s3", "endpointurl", endpoint)
        repo.dvc("push")
        stored = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert stored and all(key.startswith("store/") for key in stored)
        assert not any(p.is_file() for p in repo.remote.rglob("*")), "pushed to the old remote"
        repo.git("add", "-A")
        repo.git("commit", "-qm", "packages 1.0.0 on S3")

        clone = tmp_path / "clone"
        pulled = clone_and_pull(repo, clone, wanted)
    finally:
        server.stop()

    # The clone is its own content repository on the same database.
    result = repo.momrel(*import_args(pulled.relative_to(clone), "--json"),
                         cwd=clone, MOMREL_DATABASE_URL=repo.database_url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["target_uuid"] == wanted
    assert file_rows(repo, "public", wanted) == file_rows(repo, "dev", wanted)
    assert all(file_rows(repo, "dev", wanted).values())
    assert repo.sql("SELECT file_uuid::text, status FROM public.files") == \
        [(wanted, "registered_processed")]
    identities = sql.SQL("SELECT count(DISTINCT identity_id) FROM {} WHERE file_uuid = %s")
    public, dev = (identities.format(sql.Identifier(schema, "face_detections"))
                   for schema in ("public", "dev"))
    assert repo.sql(public, (wanted,)) == repo.sql(dev, (wanted,))
    assert repo.sql("SELECT count(*) FROM public.identities") == repo.sql(dev, (wanted,))
    # The import left the pulled package as it was.
    assert tree_bytes(pulled) == tree_bytes(repo.package_dir(wanted))
