#!/bin/sh
# Smoke test of a running Momentry service, run after every upgrade:
#
#     test/api_test.sh BASE_URL EXPECTED_VERSION        e.g. http://127.0.0.1:3002 v1.4.0
#
# GET BASE_URL/health must answer {"status": "ok", "version": EXPECTED_VERSION} (a leading `v`
# of EXPECTED_VERSION is ignored: tags say v1.4.0, Cargo says 1.4.0). Exit 0 when it does;
# otherwise one line on stderr saying why, and exit 1 (2: wrong arguments).
#
# python3 rather than curl: a fresh host has python3 (the pipeline scripts need it) but not
# always curl.
set -u
if [ "$#" -ne 2 ]; then
    echo "usage: $0 BASE_URL EXPECTED_VERSION" >&2
    exit 2
fi
exec python3 - "$1" "$2" <<'PY'
import json
import sys
import time
import urllib.error
import urllib.request

base, expected = sys.argv[1].rstrip("/"), sys.argv[2]
expected = expected[1:] if expected.startswith("v") else expected
url = base + "/health"
# A service that was just restarted may not listen yet: 20 tries, 0.25 s apart.
ATTEMPTS, PAUSE = 20, 0.25


def fail(reason):
    print(f"api_test: FAIL {url}: {reason}", file=sys.stderr)
    sys.exit(1)


for attempt in range(ATTEMPTS):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body = response.read()
        break
    except urllib.error.HTTPError as exc:
        if exc.code < 500:      # the server answered, and retrying will not change its mind
            fail(f"HTTP {exc.code}")
        reason = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = str(getattr(exc, "reason", exc))
    time.sleep(PAUSE)
else:
    fail(f"no answer after {ATTEMPTS} tries ({reason})")

try:
    health = json.loads(body)
except ValueError:
    fail("the answer is not JSON")
if not isinstance(health, dict) or health.get("status") != "ok":
    fail(f"status is {health.get('status') if isinstance(health, dict) else None!r}, not 'ok'")
if health.get("version") != expected:
    fail(f"version {health.get('version')!r}, expected {expected!r}")
print(f"api_test: ok {url}: {health.get('service')} {expected}, schema {health.get('schema')}")
PY
