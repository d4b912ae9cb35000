"""The `format` and `format_version` fields that say what a JSON document is (metadata.json
of a file package, a snapshot header; release.json of a system package next): stamped when
written, checked first when read, so a document of another kind or of a newer format is
refused in one line before any other field is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from momrel.errors import MomrelError


@dataclass(frozen=True)
class DocumentFormat:
    name: str       # the `format` value
    version: int    # the one `format_version` this momrel writes and reads
    what: str       # the document as a message names it ("momrel file package")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def stamp(self) -> dict[str, Any]:
        return {"format": self.name, "format_version": self.version}

    def problem(self, document: Any) -> str | None:
        """What makes `document` (parsed JSON) not one of this format, or None."""
        if not isinstance(document, dict) or document.get("format") != self.name:
            return f"not a {self.what} (format is not {self.name!r})"
        version = document.get("format_version")
        if type(version) is not int or version != self.version:  # not true, not 1.0
            return (f"unsupported format_version {document.get('format_version')!r} "
                    f"(this momrel reads {self.version})")
        return None

    def check(self, document: Any, label: str) -> None:
        problem = self.problem(document)
        if problem is not None:
            raise MomrelError(f"{label}: {problem}")
