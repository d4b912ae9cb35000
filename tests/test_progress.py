"""Progress bars appear on a terminal and nowhere else."""

from __future__ import annotations

import os
import pty

from support import FILES, VERSION, run_momrel

FILE = FILES[0]


def test_progress_bar_only_on_a_terminal(seeded_repo, tmp_path):
    plain = seeded_repo.ok("file", "export", "--uuid", FILE, "--version", VERSION,
                           "--out", str(tmp_path / "plain"))
    assert plain.stderr == ""

    leader, follower = pty.openpty()
    try:
        proc = run_momrel("file", "export", "--uuid", FILE, "--version", VERSION,
                          "--out", str(tmp_path / "tty"), cwd=seeded_repo.root,
                          env=seeded_repo.env(COLUMNS="120"), stderr=follower, timeout=120)
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    drawn = b"".join(chunks).decode(errors="replace")
    assert "face_detections.csv" in drawn and "qdrant/frames" in drawn
    assert "2000/2000" in drawn.replace(",", "")
