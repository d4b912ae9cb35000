"""The demo's system packages: the example source repository under .momrel/demo-source, its
hooks installed, a dev package built by hand from the pre-release tag, and the prod package
built by the hook when the demo runs `git tag -a v1.4.0`, as a release manager would.

The source repository is re-created on every run with the same commits and tags (fixed dates),
so the packages come out byte-identical: a second run finds them `unchanged`. The demo never
touches params.yaml's `system.source` unless it is this folder.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from momrel import hooks
from momrel.config import Config
from momrel.demo.host_upgrade import run_host_demo
from momrel.demo.source_repo import IDENTITY, RELEASES, create_source_repository
from momrel.errors import MomrelError
from momrel.gitrepo import open_repository
from momrel.syspkg import taghook
from momrel.syspkg.build import build_package
from momrel.syspkg.inventory import verify_package

SOURCE_DIR = ".momrel/demo-source"
HOOK_BUILD_TIMEOUT = 300.0


@dataclass
class SystemDemo:
    source: Path
    hook_tag: str
    hook_outcome: str
    packages: list[dict] = field(default_factory=list)
    host: dict = field(default_factory=dict)        # the app dir upgraded from the dev packages

    def as_json(self) -> dict:
        return {"source": str(self.source), "hook_tag": self.hook_tag,
                "hook_outcome": self.hook_outcome, "packages": self.packages, "host": self.host}


def run_system_demo(config: Config, server_url: str, echo=lambda message: None) -> SystemDemo:
    source = config.root / SOURCE_DIR
    shutil.rmtree(source, ignore_errors=True)
    demo = create_source_repository(source, tag_last=False)
    echo(f"system: example source repository {SOURCE_DIR} (tags {', '.join(demo.tags)}); "
         "hooks installed")
    hooks.install_source_hooks(config.root, source)

    dev_tag = next(tag for tag in demo.tags if "-" in tag)
    echo(f"system: momrel system build --env dev --ref {demo.tags[0]}, then --ref {dev_tag}")
    first = build_package(config, "dev", demo.tags[0], source=source)
    dev = build_package(config, "dev", dev_tag, source=source)

    echo(f"system: git tag -a {demo.last_tag} → the reference-transaction hook builds the prod package")
    taghook.forget(config.root, demo.last_tag)
    # The release's own date, as create_source_repository uses: the same tag object every run.
    identity = dataclasses.replace(IDENTITY, date=RELEASES[-1].date)
    open_repository(source).tag(demo.last_tag, demo.last_tag_message, identity=identity)
    outcome = taghook.wait_for_build(config.root, demo.last_tag, HOOK_BUILD_TIMEOUT)
    if not outcome.startswith("built "):
        raise MomrelError(f"the hook's build of {demo.last_tag}: {outcome} "
                          f"(log: {taghook.build_log(config.root)})")
    prod_path = config.system.release_dir / "prod" / demo.last_tag
    result = SystemDemo(source.relative_to(config.root), demo.last_tag, outcome)
    for env, path, state in (("dev", first.path, first.state), ("dev", dev.path, dev.state),
                             ("prod", prod_path, "built by the hook")):
        check = verify_package(path, ("dev", "prod"))
        facts = check.facts
        result.packages.append({
            "environment": env, "version": facts.version, "path": str(path.relative_to(config.root)),
            "previous": facts.previous_version, "state": state, "verified": check.ok,
            "migration": facts.migration.up, "statements": facts.migration.statements,
            "hazards": facts.migration.acknowledged,
            "files": sorted(facts.files + ["SHA256SUMS"])})
    result.host = run_host_demo(config, server_url, first, dev, echo).as_json()
    return result
