"""No secret is written or printed, in any mode, in any encoding.

A canary key sits in the Authorization header, in the base_url's query (`?key=${LEAK_KEY}`)
and a second one in a secret provider header; a hostile simulator (harness.sim.echo) echoes
every credential back raw, percent-encoded, base64 (two alignments) and masked, in a 200 body,
in a 200 stream (content and an in-band error event), in 400 / 401 / 429 / 500 error envelopes
and in a response header. Then: live, record, replay, audit, the pytest plugin, `harness
report`, `harness gate` and `harness history add` run over it, and every byte under the
project folder plus everything printed is searched for each secret in every encoding."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from harness.cli.main import main
from harness.sim import SimConfig, SimServer

KEY = "sk-leak-CANARY/0123456789+abcdefXYZW"
ORG = "org-leak-CANARY-token-9876543210QRST"
KINDS = ("200", "stream", "400", "401", "429", "500")
SUITE = """
suite: leaks
cases:
  - id: plain
    request: {messages: [{role: user, content: Say hello.}], max_tokens: 16}
    expect: [{status: 200}]
  - id: streamed
    request: {messages: [{role: user, content: Count.}], max_tokens: 16, stream: true}
    expect: [{status: 200}, {stream: }]
"""


def forms(secret: str) -> set[bytes]:
    """Every spelling of `secret` that must never appear (at least 8 characters each)."""
    out = {secret, quote(secret, safe=""), quote_plus(secret), secret.encode().hex(),
           f"{secret[:8]}*****{secret[-4:]}", f"{secret[:10]}...{secret[-4:]}"}
    for prefix in (b"", b"x", b"xx"):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(prefix + secret.encode()).decode()
            out.add(text[len(prefix) * 4 // 3 + 2:-4])
    return {f.encode() for f in out}


def leaks(root: Path, printed: str) -> list[str]:
    found = []
    every = forms(KEY) | forms(ORG)
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {f!r}" for f in every if f in data]
    found += [f"printed: {f!r}" for f in every if f in printed.encode()]
    return found


def providers_file(root: Path, url: str) -> Path:
    lines = ["providers:"]
    for kind in KINDS:
        lines += [f"  e{kind}:", "    extends: empiriolabs",
                  f"    base_url: '{url}?key=${{LEAK_KEY}}'", "    api_key_env: LEAK_KEY",
                  f"    headers: {{x-org-token: '${{LEAK_ORG}}', x-sim-echo-key: '{kind}'}}",
                  "    secret_headers: [x-org-token]"]
    path = root / "providers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def targets() -> list[str]:
    return [a for kind in KINDS for a in ("--target", f"e{kind}/mistral-medium-3-1")]


def test_no_secret_in_any_file_or_output_in_any_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEAK_KEY", KEY)
    monkeypatch.setenv("LEAK_ORG", ORG)
    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "leaks.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    printed = []
    with SimServer(SimConfig(dialect="openai", api_keys={KEY})) as sim:
        providers = providers_file(tmp_path, sim.url)
        base = ["run", str(suite), *targets(), "--providers", str(providers), "--retries", "0",
                "--cassettes", "cassettes", "-q"]
        codes = [main([*base, "--mode", mode, "--out", f"reports/{mode}"])
                 for mode in ("live", "record", "replay")]
        assert all(c in (0, 1) for c in codes), codes
        runs = sorted(p for p in (tmp_path / "reports").glob("*/*") if p.is_dir())
        assert len(runs) == 3
        assert main(["audit", "cassettes", "--out", "reports/audit", "-q"]) in (0, 1)
        assert main(["report", str(runs[0])]) in (0, 1)
        assert main(["gate", str(runs[1]), "--baseline", str(runs[0]),
                     "--target", "e200/mistral-medium-3-1",
                     "--baseline-target", "e200/mistral-medium-3-1"]) in (0, 1)
        assert main(["history", "add", *map(str, runs),
                     "--history", "reports/history.sqlite"]) == 0
        printed.append(capfd.readouterr())
        plugin = subprocess.run(
            [sys.executable, "-m", "pytest", str(suite), "-p", "no:cacheprovider", "-q",
             "--harness-providers", str(providers), "--harness-out", "reports/pytest",
             "--harness-retries", "0", *[a.replace("--target", "--harness-target")
                                         for a in targets()]],
            capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ), timeout=300,
            check=False)
        assert plugin.returncode in (0, 1), plugin.stdout[-2000:] + plugin.stderr[-2000:]
    # the hostile answers really came and were recorded (the test is not vacuous)
    rows = (runs[0] / "results.jsonl").read_text(encoding="utf-8")
    assert "your credentials: ***" in rows and "$LEAK_KEY" in rows
    assert {"401", "500"} <= {k for k in KINDS if f'"status_code": {k}' in rows}
    assert len(list((tmp_path / "cassettes").rglob("*.yaml"))) == 2 * len(KINDS)
    out = "".join(p.out + p.err for p in printed) + plugin.stdout + plugin.stderr
    found = leaks(tmp_path, out)
    assert found == [], "\n".join(found)
