"""Ctrl-C mid-run: exit 130, rows already obtained stay on disk, run.json says interrupted."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_sigint_keeps_finished_rows(tmp_path: Path) -> None:
    suite = tmp_path / "slow.yaml"
    suite.write_text(
        "cases:\n  - id: slow\n    repeat: 200\n    request:\n"
        "      messages: [{role: user, content: hi}]\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", str(suite), "--target",
         "mistral/mistral-medium-3.5", "--simulate", "--sim-latency-ms", "100",
         "--concurrency", "1", "--out", str(out), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    results = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = list(out.glob("*/results.jsonl"))
        if found and found[0].read_text().count("\n") >= 3:
            results = found[0]
            break
        time.sleep(0.05)
    assert results is not None, "the run wrote no rows"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = results.read_text().splitlines()
    assert 3 <= len(lines) < 200
    assert all(json.loads(line)["case"] == "slow" for line in lines)
    meta = json.loads((results.parent / "run.json").read_text())
    assert meta["status"] == "interrupted"
