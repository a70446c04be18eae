"""Exit 3: a run whose failed jobs all got no HTTP answer (the provider was unreachable)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from harness.cli.main import main
from harness.session.run import Outcome

SUITE = ("cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n"
         "    expect: [{status: 200}]\n")


def _outcome(*rows: dict[str, Any]) -> Outcome:
    return Outcome(run_dir=Path("."), rows=list(rows), meta={}, written=None)


def test_exit_code_rule() -> None:
    ok = {"passed": True, "status_code": 200, "error_class": None}
    down = {"passed": False, "status_code": None, "error_class": "connect"}
    late = {"passed": False, "status_code": None, "error_class": "timeout"}
    bad = {"passed": False, "status_code": 200, "error_class": None}
    miss = {"passed": False, "status_code": None, "error_class": "no_recording"}
    assert _outcome(ok).exit_code == 0
    assert _outcome(ok, down, late).exit_code == 3
    assert _outcome(down, bad).exit_code == 1
    assert _outcome(miss).exit_code == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_provider_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOWN_KEY", "k" * 20)
    providers = tmp_path / "providers.yaml"
    providers.write_text(f"providers:\n  down:\n    extends: mistral\n    base_url: "
                         f"http://127.0.0.1:{_closed_port()}\n    api_key_env: DOWN_KEY\n",
                         encoding="utf-8")
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    code = main(["run", str(suite), "--providers", str(providers), "--target",
                 "down/mistral-medium-3.5", "--mode", "live", "--retries", "0",
                 "--out", str(tmp_path / "o"), "-q"])
    out = capsys.readouterr().out
    assert code == 3, out
    assert "the provider could not be reached, which is not a contract failure (exit 3)" in out
