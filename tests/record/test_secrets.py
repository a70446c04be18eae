"""No secret is ever written: record with a recognisable key, then search every byte."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.cli.main import main
from harness.core.models import Exchange, Provider
from harness.record.recorder import interaction_from
from harness.sim import SimConfig, SimServer

SECRET = "sk-live-RECOGNISABLE-0123456789"
ORG_TOKEN = "org-RECOGNISABLE-token-9876543210"
SUITES = Path(__file__).resolve().parents[2] / "suites"


def _forms(secret: str) -> list[bytes]:
    out = {secret.encode(), quote(secret, safe="").encode()}
    for prefix in ("", "Bearer ", "x", "xx"):  # base64 at every alignment
        encoded = base64.b64encode((prefix + secret).encode()).decode()
        out.add(encoded[len(prefix) * 4 // 3 + 4: -4].encode())
    return sorted(out)


def _leaks(folder: Path) -> list[tuple[str, bytes]]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [(str(path), f) for s in (SECRET, ORG_TOKEN) for f in _forms(s) if f in data]
    return found


def test_no_secret_reaches_a_cassette_or_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cassettes, reports = tmp_path / "cassettes", tmp_path / "reports"
    with SimServer(SimConfig(dialect="openai", api_keys={SECRET})) as gw, SimServer(
        SimConfig(dialect="mistral", api_keys={SECRET})
    ) as mi:
        monkeypatch.setenv("REC_KEY", SECRET)
        providers = tmp_path / "providers.yaml"
        providers.write_text(f"""
providers:
  g:
    extends: empiriolabs
    base_url: {gw.url}
    api_key_env: REC_KEY
    headers: {{x-org-token: {ORG_TOKEN}}}
    secret_headers: [x-org-token]
  m:
    extends: mistral
    base_url: {mi.url}
    api_key_env: REC_KEY
""")
        argv = ["run", str(SUITES / "basic.yaml"), str(SUITES / "streaming.yaml"),
                str(SUITES / "errors.yaml"), str(SUITES / "tool_loop.yaml"),
                "--target", "g/mistral-medium-3-1", "--target", "m/mistral-medium-3.5",
                "--providers", str(providers), "--cassettes", str(cassettes),
                "--out", str(reports), "-q"]
        assert main([*argv, "--mode", "record"]) == 0, capsys.readouterr().out
    # the key was really sent (the simulator accepts nothing else) and is hashed in cassettes
    text = "".join(p.read_text() for p in cassettes.rglob("*.yaml"))
    assert '"authorization": ["Bearer <filtered:' in text
    assert '"x-org-token": ["<filtered:' in text
    monkeypatch.delenv("REC_KEY")
    assert main([*argv, "--mode", "replay"]) == 0  # and replays without it
    printed = capsys.readouterr()
    assert len(list(reports.iterdir())) == 2
    assert _leaks(cassettes) == [] and _leaks(reports) == []
    assert SECRET not in printed.out + printed.err


def test_secrets_echoed_in_a_response_are_scrubbed_too() -> None:
    provider = Provider(name="p", base_url="https://x/v1", dialect="openai",
                        secret_headers=("x-org-token",))
    encoded = quote(SECRET, safe="")
    exchange = Exchange(
        method="POST", url=f"https://x/v1/chat?api_key={SECRET}&alt=json",
        request_headers={}, request_body={}, status_code=401,
        response_headers={"x-org-token": ORG_TOKEN, "x-echo": f"key {SECRET}",
                          "set-cookie": "session=abc"},
        body=f'{{"error": "Incorrect API key provided: {SECRET} ({encoded})"}}'.encode(),
        chunks=[(0.1, f"data: {SECRET}".encode())],
    )
    inter = interaction_from(
        exchange, request_headers={"authorization": f"Bearer {SECRET}",
                                   "x-org-token": ORG_TOKEN},
        request_body=f'{{"user": "{SECRET}"}}'.encode(), provider=provider, api_key=SECRET,
    )
    from harness.record.cassette import Cassette

    text = Cassette(Path("x.yaml"), [inter]).to_yaml()
    for secret in (SECRET, ORG_TOKEN):
        for form in _forms(secret):
            assert form.decode() not in text
    assert "set-cookie" not in text and "alt=json" in text
    assert inter.status == 401 and inter.body.startswith(b'{"error": "Incorrect API key')
