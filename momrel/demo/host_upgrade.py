"""The demo's host: a playground app dir (.momrel/demo-app) upgraded from the dev packages the
demo built, as an operator would do it.

Its database `momentry_demo_host` (on the demo's server) is made from v1.3.0's schema_dev.sql, as
an existing installation that predates momrel; `momrel system baseline` adopts it at v1.3.0; the
v1.3.0 package gives the fresh app dir its code (the schema is there already); the v1.4.0-dev.1
package upgrades it (migration, build, switch, restart, smoke test); `status` shows it; one
`rollback` takes it back to v1.3.0. The service listens on 3003 when free, else on a free port
(shared/env), and is stopped at the end so that the demo leaves no process behind.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from momrel.config import Config
from momrel.syspkg import service
from momrel.syspkg.history import baseline_database
from momrel.syspkg.build import BuiltPackage
from momrel.syspkg.upgrade import host_status, rollback, upgrade

APP_DIR = ".momrel/demo-app"
DATABASE = "momentry_demo_host"


@dataclass
class HostDemo:
    app_dir: str
    database: str
    port: int
    database_url: str           # the embedded server's: no password in it
    lines: list[str] = field(default_factory=list)     # what the operator saw, step by step
    status: dict = field(default_factory=dict)          # `momrel system status --json` after the upgrade
    after_rollback: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"app_dir": self.app_dir, "database": self.database, "port": self.port,
                "database_url": self.database_url,
                "lines": self.lines, "status": self.status, "after_rollback": self.after_rollback}


def run_host_demo(config: Config, server_url: str, first: BuiltPackage, second: BuiltPackage,
                  echo=lambda message: None) -> HostDemo:
    app = config.root / APP_DIR
    if (app / "run").is_dir():
        service.stop(app / "run")
    shutil.rmtree(app, ignore_errors=True)
    port = _port()
    (app / "shared").mkdir(parents=True)
    (app / "shared" / "env").write_text(f"# this host only\nPORT={port}\n", encoding="utf-8")
    url = _fresh_database(server_url, first.path / f"schema_{config.env('dev').schema}.sql")
    demo = HostDemo(APP_DIR, DATABASE, port, url)

    def say(message: str) -> None:
        demo.lines.append(message)
        echo(f"host: {message}")

    try:
        adopted = baseline_database(config, "dev", first.version, url)
        say(f"momrel system baseline --env dev --version {first.version}: schema "
            f"{adopted.schema} adopted (rank {adopted.row.rank})")
        for package in (first, second):
            say(f"momrel system upgrade {package.path.relative_to(config.root)} --app-dir {APP_DIR}")
            upgrade(config, package.path, app, url, progress=lambda m: say(f"  {m}"))
        demo.status = host_status(config, app, url).as_json()
        say(f"momrel system status: current {demo.status['current']}, database "
            f"{demo.status['database']}, service answers {demo.status['service']}")
        say(f"momrel system rollback --app-dir {APP_DIR}")
        rollback(config, app, url, progress=lambda m: say(f"  {m}"))
        demo.after_rollback = host_status(config, app, url).as_json()
        say(f"momrel system status: current {demo.after_rollback['current']}, database "
            f"{demo.after_rollback['database']}, service answers {demo.after_rollback['service']}")
    finally:
        service.stop(app / "run")
    return demo


def _port() -> int:
    """The playground's port when it is free, else any free one."""
    for candidate in (3003, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port")


def _fresh_database(server_url: str, schema_file: Path) -> str:
    """The demo host's database, re-created, holding v1.3.0's schema as installed by hand."""
    admin = make_conninfo(server_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    url = make_conninfo(server_url, dbname=DATABASE)
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(schema_file.read_bytes())
    return url

