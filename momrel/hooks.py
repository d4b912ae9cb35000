"""Git hooks of the content repository (the scripts live in hooks/ of the repository)."""

from __future__ import annotations

from pathlib import Path

from momrel.errors import MomrelError
from momrel.gitrepo import open_repository

HOOKS_DIR = "hooks"
# Repository-local git settings (the schema diff driver), included from .git/config. The path
# is relative to .git/config, where the include directive lives.
GITCONFIG_INCLUDE = "../hooks/gitconfig"


def install(root: Path) -> list[str]:
    """Point git at hooks/ (core.hooksPath) and include hooks/gitconfig (the schema textconv
    driver), both repository-local; return what was enabled."""
    repo = open_repository(root)
    folder = root / HOOKS_DIR
    hooks = sorted(p.name for p in folder.iterdir() if p.is_file() and p.stat().st_mode & 0o111) \
        if folder.is_dir() else []
    if not hooks:
        raise MomrelError(f"no executable hooks in {folder}")
    repo.set_config("core.hooksPath", HOOKS_DIR)
    if (folder / "gitconfig").is_file():
        repo.set_config("include.path", GITCONFIG_INCLUDE)
        hooks.append("schema diff driver (hooks/gitconfig)")
    return hooks
