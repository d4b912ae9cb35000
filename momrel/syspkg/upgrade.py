"""`momrel system upgrade`: a host moved to a system package's release, or left as it was.

The upgrade is a list of steps, each with a `do` and an `undo` (Capistrano's rollback in one
place). The runner walks forward; when a step fails, it undoes the steps already done in reverse
order and reports the failed step with the tail of its output. The first steps only check
(lock, package, database version, the migration's starting point), so a refusal changes nothing;
from the migration on, every change has its undo: the down migration (the history row marked
rolled back), `current` switched back, the previous service restarted and answering.

    lock → verify → check database → unpack → migrate → build → switch → restart + smoke test
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psycopg
from psycopg import sql

from momrel import pg
from momrel.bundle.sha256sums import sha256_file
from momrel.config import Config
from momrel.errors import MigrationRefused, MomrelError, PackageInvalid, UpgradeFailed, UsageError
from momrel.schema.migration import Migration
from momrel.schema.migration_json import migration_from_bytes
from momrel.syspkg import history, service
from momrel.syspkg.host import AppDir
from momrel.syspkg.inventory import verify_package
from momrel.syspkg.release import ReleaseFacts

Progress = Callable[[str], None]
# What a release folder keeps of its package, for status and an on-demand rollback.
RELEASE_RECORD = ".momrel-release.json"


@dataclass
class StepOutcome:
    name: str
    state: str                 # done, undone, failed, undo failed
    seconds: float
    detail: str = ""

    def as_json(self) -> dict:
        return {"step": self.name, "state": self.state, "seconds": round(self.seconds, 3),
                "detail": self.detail}


@dataclass
class UpgradeReport:
    app_dir: Path
    environment: str
    version: str
    previous: str | None
    outcome: str = "planned"   # planned (dry run), upgraded, rolled back
    steps: list[StepOutcome] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"app_dir": str(self.app_dir), "environment": self.environment,
                "version": self.version, "previous": self.previous, "outcome": self.outcome,
                "steps": [s.as_json() for s in self.steps], "plan": self.plan}


@dataclass
class Step:
    name: str
    do: Callable[[], str | None]
    undo: Callable[[], None] | None = None


class _Context:
    """What the steps share: the package, the host, the database connection."""

    def __init__(self, config: Config, package: Path, app: AppDir, facts: ReleaseFacts,
                 database_url: str, progress: Progress):
        self.config, self.package, self.app, self.facts = config, package, app, facts
        self.database_url, self.progress = database_url, progress
        self.schema = facts.schema
        self.up: Migration | None = None
        self.down: Migration | None = None
        self.previous_current: str | None = None
        self.rank: int | None = None
        self.create_schema = False
        self.code_only = False      # the database is already at this release


def upgrade(config: Config, package_dir: Path, app_dir: Path, database_url: str | None = None,
            dry_run: bool = False, keep: int | None = None, progress: Progress | None = None) -> UpgradeReport:
    say = progress or (lambda message: None)
    app = AppDir(app_dir)
    with ExitStack() as stack:
        lock_started = time.monotonic()
        # A dry run changes nothing, not even by creating the app dir its lock would live in.
        if not (dry_run and not app.path.exists()):
            stack.enter_context(app.lock())
        facts = _verified_facts(config, Path(package_dir), app)
        url = database_url or _database_url(config)
        ctx = _Context(config, Path(package_dir), app, facts, url, say)
        report = UpgradeReport(app.path, facts.environment, facts.version, facts.previous_version
                               if facts.previous else None)
        report.steps.append(StepOutcome("lock", "done", time.monotonic() - lock_started))
        _check_database(ctx, report)
        if dry_run:
            report.plan = _plan(ctx)
            return report
        steps = _steps(ctx)
        _run(steps, report, say)
        app.claim(facts.environment)
        app.prune(keep if keep is not None else config.system.keep_releases,
                  protect=[facts.version, ctx.previous_current])
        report.outcome = "upgraded"
        return report


# ---------------------------------------------------------------- the checks (change nothing)
def _verified_facts(config: Config, package: Path, app: AppDir) -> ReleaseFacts:
    check = verify_package(package, tuple(config.environments))
    if not check.ok:
        raise PackageInvalid(f"{package}: {len(check.problems)} problem(s): {check.problems[0]}; "
                             "nothing was changed")
    facts = check.facts
    _refuse_disagreement(config, facts, str(package))
    claimed = app.environment()
    if claimed is not None and claimed != facts.environment:
        raise UsageError(f"{app.path} runs the {claimed} environment; {package.name} is a "
                         f"{facts.environment} package")
    return facts


def _refuse_disagreement(config: Config, facts: ReleaseFacts, label: str) -> None:
    """A package only proposes: the commands this host runs (build, restart, smoke test) and the
    schema, port and env file it uses are params.yaml's, and a package that says otherwise is
    refused. Its checksums prove it is intact, not who wrote it."""
    from momrel.syspkg.build import require_system

    environment = config.env(facts.environment)
    system = require_system(config)
    commands = system.environment(facts.environment)
    expected = {"schema": environment.schema, "port": environment.port, "env_file": environment.env_file,
                "build": commands.build, "restart": commands.restart, "smoke_test": system.smoke_test}
    for name, value in expected.items():
        if getattr(facts, name) != value:
            raise PackageInvalid(f"{label}: release.json proposes {name} {getattr(facts, name)!r}, but "
                                 f"params.yaml says {value!r} for {facts.environment}; nothing was changed")


def _database_url(config: Config) -> str:
    from momrel import database

    return database.database_url(config.root)


def _connect(ctx: _Context) -> psycopg.Connection:
    """An autocommit connection whose statements all have params.yaml's migration timeouts:
    reading the catalog waits for table locks too (pg_get_expr takes the table's), so a check
    behind another session's lock gives up after lock_timeout instead of hanging the upgrade."""
    conn = pg.connect(ctx.database_url, autocommit=True)
    timeouts = ctx.config.migration_timeouts
    conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                 (timeouts.lock_timeout, timeouts.statement_timeout))
    return conn


def _check_database(ctx: _Context, report: UpgradeReport) -> None:
    try:
        _check_database_version(ctx, report)
    except psycopg.Error as exc:
        raise MomrelError(f"check database: {_first_line(exc)}; nothing was changed") from None


def _check_database_version(ctx: _Context, report: UpgradeReport) -> None:
    started = time.monotonic()
    facts = ctx.facts
    with _connect(ctx) as conn:
        current = history.current_version(conn, ctx.schema)
        if current == facts.version and ctx.app.current() is None:
            # A database adopted by `system baseline` (or migrated by another host): this fresh
            # app dir gets the release's code; the schema is already there.
            ctx.code_only = True
            report.steps.append(StepOutcome("check database", "done", time.monotonic() - started,
                                            f"at {facts.version} already: code only"))
            return
        if current == facts.version:
            raise MigrationRefused(f"schema {ctx.schema} is already at {facts.version} and "
                                   f"{ctx.app.path} runs {ctx.app.current()}; nothing was changed")
        if facts.previous is None:
            # Failed or rolled-back attempts may stay on record: a first release runs again as
            # long as no release is current (the starting-point check wants the schema empty).
            if current is not None:
                raise MigrationRefused(f"{facts.version} is a first release (it creates the whole "
                                       f"schema) but schema {ctx.schema} is at {current}")
        elif current is None:
            raise MigrationRefused(
                f"schema {ctx.schema} has no release history: adopt it first with `momrel system "
                f"baseline --env {facts.environment} --version VERSION` (it checks the live schema "
                f"equals that release's); {facts.version} upgrades from {facts.previous.version}")
        elif current != facts.previous.version:
            raise MigrationRefused(f"schema {ctx.schema} is at {current}, but {facts.version} "
                                   f"upgrades from {facts.previous.version}; nothing was changed")
        ctx.up = _migration(ctx, facts.migration.up_json)
        ctx.down = _migration(ctx, facts.migration.down_json)
        from momrel.schema.apply import check_start

        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (ctx.schema,)).fetchone()
        # A first release may find no schema at all: the migrate step creates it, empty, and
        # the executor checks the starting point there.
        ctx.create_schema = facts.previous is None and not exists
        if not ctx.create_schema:
            conn.execute("SELECT set_config('search_path', %s, false)", (ctx.schema,))
            check_start(conn, ctx.up, ignore_tables=frozenset({history.HISTORY_TABLE}))
    report.steps.append(StepOutcome("check database", "done", time.monotonic() - started,
                                    f"at {facts.previous_version}"))


def _migration(ctx: _Context, relative: str) -> Migration:
    data = (ctx.package / relative).read_bytes()
    migration = migration_from_bytes(data, relative)
    if migration.schema != ctx.schema:
        raise PackageInvalid(f"{relative}: a migration for schema {migration.schema}, not {ctx.schema}")
    return migration


def _plan(ctx: _Context) -> list[str]:
    from momrel.schema.render import hazard_summary

    f = ctx.facts
    lines = [f"unpack source.tar.gz into {ctx.app.path / 'releases' / f.version}"]
    if ctx.code_only:
        lines.append(f"schema {ctx.schema} is at {f.version} already: no migration (code only)")
    else:
        lines.append(f"migrate schema {ctx.schema} {f.previous_version} → {f.version}: "
                     f"{hazard_summary(ctx.up.statements)}")
        lines += [f"    {s.section}: {s.first_line}" + "".join(f"  [{h.kind}]" for h in s.hazards)
                  for s in ctx.up.statements]
    lines += [f"build: {f.build}", f"switch current → releases/{f.version}",
              f"restart: {f.restart} (port {f.port} unless shared/env says otherwise)",
              f"smoke test: {f.smoke_test}",
              f"on failure: {'' if ctx.code_only else f.migration.down + ', '}current back to "
              + (f"{ctx.app.current()}, its service restarted" if ctx.app.current()
                 else "nothing, the service stopped")]
    return lines


# ---------------------------------------------------------------- the steps (each with its undo)
def _steps(ctx: _Context) -> list[Step]:
    migrate = [] if ctx.code_only else [Step("migrate", lambda: _migrate(ctx), lambda: _migrate_back(ctx))]
    return [Step("unpack", lambda: _unpack(ctx), lambda: ctx.app.remove_release(ctx.facts.version)),
            *migrate,
            Step("build", lambda: _build(ctx)),
            Step("switch", lambda: _switch(ctx), lambda: ctx.app.switch(ctx.previous_current)),
            Step("restart", lambda: _restart(ctx), lambda: _restart_previous(ctx))]


def _unpack(ctx: _Context) -> str:
    folder = ctx.app.unpack(ctx.package, ctx.facts)
    for relative in (ctx.facts.migration.up_json, ctx.facts.migration.down_json):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ctx.package / relative).read_bytes())
    (folder / RELEASE_RECORD).write_bytes((ctx.package / "release.json").read_bytes())
    return f"releases/{ctx.facts.version}"


def _migrate(ctx: _Context) -> str:
    from momrel.schema.apply import apply_migration

    facts = ctx.facts
    sha = sha256_file(ctx.package / facts.migration.up_json)
    with _connect(ctx) as conn:
        if ctx.create_schema:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(ctx.schema)))
        history.ensure_history_table(conn, ctx.schema)
        # The attempt is on record before anything runs: a process killed mid-migration leaves
        # a row that says so (success false); the main transaction turns it into success.
        ctx.rank = history.record(conn, ctx.schema, version=facts.version,
                                  previous_version=facts.previous_version if facts.previous else None,
                                  environment=facts.environment, kind="upgrade",
                                  migration_sha256=sha, success=False)
        started = time.monotonic()
        try:
            report = apply_migration(conn, ctx.up, ctx.config.migration_timeouts,
                                     ignore_tables=frozenset({history.HISTORY_TABLE}),
                                     in_main_transaction=lambda c: history.mark_success(
                                         c, ctx.schema, ctx.rank, int((time.monotonic() - started) * 1000)))
        except MomrelError as failure:
            if history.current_version(conn, ctx.schema) == facts.version:
                # The main transaction committed and a statement after it (CREATE INDEX
                # CONCURRENTLY) failed: this step's own change is taken back before reporting.
                try:
                    _migrate_back(ctx)
                except MomrelError as exc:
                    raise MomrelError(f"{failure}; taking the migration back failed too: {exc}") from None
            raise
        history.mark_post_done(conn, ctx.schema, ctx.rank)
    return f"{report.statements} statement(s)"


def _migrate_back(ctx: _Context) -> None:
    from momrel.schema.apply import apply_migration

    with _connect(ctx) as conn:
        current = history.current_version(conn, ctx.schema)
        if current != ctx.facts.version:
            # The main transaction never committed: nothing of the migration stayed.
            history.mark_rolled_back(conn, ctx.schema, ctx.rank)
            return
        apply_migration(conn, ctx.down, ctx.config.migration_timeouts,
                        ignore_tables=frozenset({history.HISTORY_TABLE}),
                        in_main_transaction=lambda c: history.mark_rolled_back(c, ctx.schema, ctx.rank))


def _build(ctx: _Context) -> str:
    folder = ctx.app.release_dir(ctx.facts.version)
    service.run_build(folder, ctx.facts.build, ctx.app.log("build", ctx.facts.version))
    return ctx.facts.build


def _switch(ctx: _Context) -> str:
    ctx.previous_current = ctx.app.current()
    ctx.app.switch(ctx.facts.version)
    return f"current → releases/{ctx.facts.version}"


def _start(ctx: _Context, version: str) -> dict:
    folder = ctx.app.release_dir(version)
    facts = _release_facts(folder)
    # The release folder's record is checked like a package: the restart command is params.yaml's.
    _refuse_disagreement(ctx.config, facts, f"releases/{version}")
    env_file = folder / facts.env_file
    service.restart(folder, facts.restart, env_file, ctx.app.run_dir, ctx.app.log("restart", version))
    port = service.port_of(env_file)
    return service.wait_healthy(port, SERVICE_WAIT)


SERVICE_WAIT = 30.0


def _restart(ctx: _Context) -> str:
    version = ctx.facts.version
    try:
        health = _start(ctx, version)
        folder = ctx.app.release_dir(version)
        service.smoke_test(folder, ctx.facts.smoke_test, service.port_of(folder / ctx.facts.env_file),
                           version, ctx.app.log("smoke-test", version))
    except MomrelError as failure:
        # The restart command stopped the running service before starting the new one: this
        # step's own change is taken back before reporting (the runner undoes only the steps
        # done before the failed one).
        try:
            _restart_previous(ctx)
        except MomrelError as exc:
            raise MomrelError(f"{failure}; restarting the previous service failed too: {exc}") from None
        raise
    return f"answers {json.dumps(health, sort_keys=True)}"


def _restart_previous(ctx: _Context) -> None:
    if ctx.previous_current is None:
        service.stop(ctx.app.run_dir)
        return
    _start(ctx, ctx.previous_current)


def _release_facts(folder: Path) -> ReleaseFacts:
    from momrel.syspkg.release import read_facts

    return read_facts((folder / RELEASE_RECORD).read_bytes(), str(folder / RELEASE_RECORD))


# ---------------------------------------------------------------- the runner
# What a step may raise and still be undone: momrel's errors, and a database or file error
# (a lost connection, a full disk) that no module below turned into one.
STEP_ERRORS = (MomrelError, psycopg.Error, OSError)


def _as_failure(exc: Exception) -> MomrelError:
    if isinstance(exc, MomrelError):
        return exc
    if isinstance(exc, OSError):
        return MomrelError(f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""))
    return MomrelError(f"database: {_first_line(exc)}")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _run(steps: list[Step], report: UpgradeReport, say: Progress) -> None:
    done: list[Step] = []
    for step in steps:
        started = time.monotonic()
        try:
            detail = step.do() or ""
        except STEP_ERRORS as exc:
            exc = _as_failure(exc)
            report.steps.append(StepOutcome(step.name, "failed", time.monotonic() - started, str(exc)))
            say(f"{step.name}: FAILED after {time.monotonic() - started:.1f} s")
            undo_problems = _undo(done, report, say)
            report.outcome = "rolled back" if not undo_problems else "rollback incomplete"
            tail = f"; the rollback did not complete: {undo_problems[0]}" if undo_problems else \
                "; everything before it was undone"
            failure = UpgradeFailed(f"upgrade to {report.version} failed at step {step.name}: {exc}{tail}")
            failure.report = report     # what ran and what was undone, for --json
            raise failure from None
        seconds = time.monotonic() - started
        report.steps.append(StepOutcome(step.name, "done", seconds, detail))
        say(f"{step.name}: done in {seconds:.1f} s" + (f" ({detail})" if detail else ""))
        done.append(step)


def _undo(done: list[Step], report: UpgradeReport, say: Progress) -> list[str]:
    problems = []
    for step in reversed(done):
        if step.undo is None:
            continue
        started = time.monotonic()
        try:
            step.undo()
        except STEP_ERRORS as exc:
            exc = _as_failure(exc)
            problems.append(f"undo {step.name}: {exc}")
            report.steps.append(StepOutcome(step.name, "undo failed", time.monotonic() - started, str(exc)))
            say(f"{step.name}: UNDO FAILED: {exc}")
            continue
        report.steps.append(StepOutcome(step.name, "undone", time.monotonic() - started))
        say(f"{step.name}: undone in {time.monotonic() - started:.1f} s")
    return problems


# ---------------------------------------------------------------- on-demand rollback
def rollback(config: Config, app_dir: Path, database_url: str | None = None,
             progress: Progress | None = None) -> UpgradeReport:
    """Back to the release before the current one: the current release's down migration (its
    history row marked rolled back), `current` switched, the previous service restarted and
    smoke-tested. Refused, changing nothing, when the database is not at the current release or
    the previous release's folder is gone."""
    say = progress or (lambda message: None)
    app = AppDir(app_dir)
    with app.lock():
        version = app.current()
        if version is None:
            raise UsageError(f"{app.path}: no current release to roll back")
        facts = _release_facts(app.release_dir(version))
        if facts.previous is None:
            raise UsageError(f"{version} is the first release: there is nothing before it to go back to")
        previous = facts.previous.version
        if not (app.release_dir(previous) / RELEASE_RECORD).is_file():
            raise UsageError(f"releases/{previous} is gone from {app.path}: cannot go back to it")
        url = database_url or _database_url(config)
        ctx = _Context(config, app.release_dir(version), app, facts, url, say)
        with pg.connect(url, autocommit=True) as conn:
            current = history.current_version(conn, facts.schema)
            if current != version:
                raise MigrationRefused(f"schema {facts.schema} is at {current or 'no release'}, "
                                       f"not {version}: nothing was changed")
            ctx.rank = history.current_rank(conn, facts.schema)
        ctx.down = _migration(ctx, facts.migration.down_json)
        ctx.previous_current = previous
        report = UpgradeReport(app.path, facts.environment, previous, version)
        steps = [Step("migrate back", lambda: _migrate_back(ctx) or f"{version} → {previous}"),
                 Step("switch", lambda: app.switch(previous) or f"current → releases/{previous}",
                      lambda: app.switch(version)),
                 Step("restart", lambda: _restart_release(ctx, previous))]
        _run(steps, report, say)
        report.outcome = "rolled back"
        return report


def _restart_release(ctx: _Context, version: str) -> str:
    health = _start(ctx, version)
    folder = ctx.app.release_dir(version)
    facts = _release_facts(folder)
    service.smoke_test(folder, facts.smoke_test, service.port_of(folder / facts.env_file), version,
                       ctx.app.log("smoke-test", version))
    return f"answers {json.dumps(health, sort_keys=True)}"


# ---------------------------------------------------------------- status
@dataclass
class HostStatus:
    app_dir: Path
    environment: str | None
    current: str | None
    releases: list[str]
    database: str | None = None             # the schema's release, when the database answers
    history: list[dict] = field(default_factory=list)
    service: dict | None = None              # /health's answer, None when it does not answer
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"app_dir": str(self.app_dir), "environment": self.environment,
                "current": self.current, "releases": self.releases, "database": self.database,
                "history": self.history, "service": self.service, "problems": self.problems}


def host_status(config: Config, app_dir: Path, database_url: str | None = None) -> HostStatus:
    """What the host runs, read only: the app dir, the database's history, the service."""
    app = AppDir(app_dir)
    state = HostStatus(app.path, app.environment(), app.current(), app.releases())
    if state.current is None:
        return state
    facts = _release_facts(app.release_dir(state.current))
    try:
        with pg.connect(database_url or _database_url(config), autocommit=True) as conn:
            state.database = history.current_version(conn, facts.schema)
            state.history = [row.as_json() for row in history.read_history(conn, facts.schema)]
    except Exception as exc:  # status reports what it cannot reach instead of failing
        state.problems.append(f"database: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    try:
        state.service = service.wait_healthy(service.port_of(app.release_dir(state.current) /
                                                             facts.env_file), 1.0)
    except MomrelError as exc:
        state.problems.append(f"service: {exc}")
    return state
