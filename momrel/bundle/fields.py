"""Typed reading of a parsed JSON document (a migration file, release.json): each value is
named by its path (`$.statements[3].sql`) in the one-line error, so a refused document says
exactly where it is wrong. The error type and the document's label are the caller's."""

from __future__ import annotations

from typing import Callable

from momrel.errors import MomrelError


class Field:
    """One value of the document at `path`; `error(message)` makes the exception to raise."""

    def __init__(self, value, path: str, error: Callable[[str], MomrelError]):
        self.value, self.path, self.error = value, path, error

    def _child(self, value, path: str) -> "Field":
        return type(self)(value, path, self.error)

    def fail(self, expected: str) -> MomrelError:
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return self.error(f"{self.path}: expected {expected}, got {shown}")

    def get(self, key: str) -> "Field":
        if not isinstance(self.value, dict):
            raise self.fail("an object")
        if key not in self.value:
            raise self.error(f"{self.path}.{key} is missing")
        return self._child(self.value[key], f"{self.path}.{key}")

    def text(self, optional: bool = False) -> str | None:
        if optional and self.value is None:
            return None
        if not isinstance(self.value, str):
            raise self.fail("a string" + (" or null" if optional else ""))
        return self.value

    def integer(self) -> int:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise self.fail("an integer")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("true or false")
        return self.value

    def items(self) -> list["Field"]:
        if not isinstance(self.value, list):
            raise self.fail("a list")
        return [self._child(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def choice(self, enum_type, optional: bool = False):
        if optional and self.value is None:
            return None
        try:
            return enum_type(self.value)
        except (ValueError, TypeError):
            raise self.fail("one of " + ", ".join(e.value for e in enum_type)) from None
