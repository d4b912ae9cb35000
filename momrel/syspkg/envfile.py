"""The environment file of a system package (`.env.development`, `.env`), and the check that
keeps secrets out of packages.

A package is copied to hosts and remotes: it must hold no password, token or key. A variable
whose name looks secret is allowed only as a reference to the host's own environment (`${NAME}`)
or empty, and a URL may not carry a password; the same rule is applied to every `.env*` file of
the source tree, which source.tar.gz would otherwise carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from momrel.config import Environment, SystemEnvironment
from momrel.errors import SecretRefused

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)
REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _is_reference(value: str) -> bool:
    return value == "" or REFERENCE.fullmatch(value) is not None


def secret_problem(name: str, value: str) -> str | None:
    """Why `name=value` must not enter a package, or None."""
    if SECRET_NAME.search(name) and not _is_reference(value):
        return (f"{name} looks secret and has a literal value; reference the host's environment "
                f"instead ({name}=${{{name}}})")
    for candidate in URL.findall(value):
        try:
            password = urlsplit(candidate).password
        except ValueError:
            continue
        if password and not _is_reference(password):
            return f"{name} holds a URL with a password; leave the password out or reference it"
    return None


def command_problem(command: str) -> str | None:
    """Why a build or restart command must not enter a package (release.json and
    RELEASE_INFO.txt carry it): a URL with a password, or `NAME=value` with a secret name."""
    for word in command.split():
        name, sep, value = word.partition("=")
        problem = secret_problem(name if sep else "command", value if sep else word)
        if problem:
            return problem
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


def env_file_problems(path: str, data: bytes) -> list[str]:
    """Secrets in a dotenv file of the source tree: `path: KEY ...` per finding."""
    text = data.decode("utf-8", "replace")
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = ASSIGNMENT.match(line)
        if match and not line.lstrip().startswith("#"):
            problem = secret_problem(match.group(1), _unquote(match.group(2)))
            if problem:
                found.append(f"{path}:{number}: {problem}")
    return found


def is_env_file(path: str) -> bool:
    """`.env`, `.env.production`, `prod.env`: the names dotenv files go by."""
    name = PurePosixPath(path).name
    return name.startswith(".env") or name.endswith(".env")


@dataclass(frozen=True)
class EnvFile:
    name: str            # .env.development, .env
    variables: dict[str, str]

    def render(self, header: str) -> bytes:
        lines = [f"# {line}" for line in header.splitlines()]
        lines += [f"{key}={value}" for key, value in self.variables.items()]
        return ("\n".join(lines) + "\n").encode("utf-8")


def env_file_for(environment: Environment, system: SystemEnvironment) -> EnvFile:
    """DATABASE_SCHEMA and PORT from the environment, then params.yaml's variables; refuses a
    secret, naming the key."""
    for key in ("build", "restart"):
        problem = command_problem(getattr(system, key))
        if problem:
            raise SecretRefused(f"params.yaml: system.environments.{system.name}.{key}: {problem}; "
                                "secrets never enter a package")
    variables = {"DATABASE_SCHEMA": environment.schema, "PORT": str(environment.port)}
    for name, value in system.variables.items():
        problem = secret_problem(name, value)
        if problem:
            raise SecretRefused(f"params.yaml: system.environments.{system.name}.variables: {problem}; "
                                "secrets never enter a package")
        variables[name] = value
    return EnvFile(environment.env_file, variables)
