"""Registering a file with the Momentry API before its package is imported.

Request (documented in docs/import.md):
    POST {URL}/api/v1/files/register
    Content-Type: application/json
    {"filename": ..., "duration": ..., "fps": ..., "width": ..., "height": ...,
     "size_bytes": ..., "sha256": ..., "source_file_uuid": <the package's uuid>}
Response: 200 or 201 with a JSON object holding "file_uuid" (the target uuid); it may be
nested under "data" ({"data": {"file_uuid": ...}}), as some API envelopes do.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from momrel.config import normalize_uuid
from momrel.errors import MomrelError

REGISTER_PATH = "/api/v1/files/register"
REGISTRATION_FIELDS = ("filename", "duration", "fps", "width", "height", "size_bytes", "sha256")


def register(base_url: str, registration: dict, source_uuid: str, timeout: float = 10.0) -> str:
    """POST the registration and return the target file uuid the API assigned."""
    if not base_url.startswith(("http://", "https://")):
        raise MomrelError(f"--register-url must start with http:// or https://, got {base_url!r}")
    url = base_url.rstrip("/") + REGISTER_PATH
    body = {key: registration.get(key) for key in REGISTRATION_FIELDS}
    body["source_file_uuid"] = source_uuid
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read(1 << 20)
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(300).decode("utf-8", "replace").replace("\n", " ").strip()
        raise MomrelError(f"register at {url} answered HTTP {exc.code}: {excerpt or exc.reason}") from None
    except (socket.timeout, TimeoutError):
        raise MomrelError(f"register at {url} did not answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise MomrelError(f"register at {url} did not answer within {timeout:g} s") from None
        raise MomrelError(f"register at {url} failed: {reason}") from None
    if status not in (200, 201):
        raise MomrelError(f"register at {url} answered HTTP {status}, expected 200 or 201")
    try:
        answer = json.loads(raw)
        if isinstance(answer.get("data"), dict):
            answer = answer["data"]
        target = answer["file_uuid"]
    except (ValueError, KeyError, TypeError, AttributeError):
        excerpt = raw[:200].decode("utf-8", "replace").replace("\n", " ")
        raise MomrelError(f"register at {url} answered without a file_uuid: {excerpt}") from None
    return normalize_uuid(target, "file_uuid from the register API")
