"""The plugin is a thin adapter over harness.session: the same mode rule as `harness run`, one
HTTP client and one event loop per process, and the run.json shape of every runner."""

from __future__ import annotations

import json
from typing import Any

import pytest

import harness.engine.transport as transport_mod
from harness.cli.main import main
from harness.engine.results import read_results
from harness.session.meta import META_KEYS
from tests.plugin.conftest import KEY_ENV, TARGETS, harness_args, run_dirs

pytest_plugins = ["pytester"]

INVALID_ONLY = """suite: badkey
cases:
  - id: wrong_key_rejected
    request:
      auth: invalid
      messages: [{role: user, content: hi}]
    expect:
      - status: 401
"""

TWO = """suite: {name}
cases:
  - id: hello
    request:
      messages: [{{role: user, content: hi}}]
      max_tokens: 16
    expect:
      - status: 200
"""

MEASURED = ("run_id", "started_at", "latency_ms", "ttft_ms", "ttfb_ms", "itl_ms",
            "tokens_per_s", "turn_latencies_ms")


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in r.items() if k not in MEASURED} for r in rows),
                  key=lambda r: r["job_id"])


def test_auth_invalid_cases_without_a_key_run_live_under_both_runners(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # no key in the environment, and every case sends a deliberately wrong key: no job needs
    # the key, so the run is live (it used to replay under pytest and fail for lack of one)
    monkeypatch.delenv(KEY_ENV)
    project.makefile(".yaml", badkey=INVALID_ONLY)
    result = project.runpytest(*harness_args(out="via-pytest"))
    result.assert_outcomes(passed=2)
    (plugin_dir,) = run_dirs(project.path / "via-pytest")

    argv = ["run", "badkey.yaml", "--providers", "providers.yaml", "--out", "via-cli"]
    for target in TARGETS:
        argv += ["--target", target]
    assert main(argv) == 0
    capsys.readouterr()
    (cli_dir,) = run_dirs(project.path / "via-cli")

    plugin_rows, cli_rows = read_results(plugin_dir), read_results(cli_dir)
    assert {r["mode"] for r in plugin_rows} == {r["mode"] for r in cli_rows} == {"live"}
    assert _comparable(plugin_rows) == _comparable(cli_rows)
    plugin_meta = json.loads((plugin_dir / "run.json").read_text())
    cli_meta = json.loads((cli_dir / "run.json").read_text())
    # one shape: the same keys, whoever wrote it
    assert set(META_KEYS) <= set(plugin_meta) and set(plugin_meta) == set(cli_meta)
    assert (plugin_meta["runner"], cli_meta["runner"]) == ("pytest", "cli")
    assert plugin_meta["mode"] == cli_meta["mode"] == "live"


def test_one_http_client_per_process_for_every_item(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Any] = []
    real = transport_mod.make_client

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(transport_mod, "make_client", counting)
    project.makefile(".yaml", one=TWO.format(name="one"), two=TWO.format(name="two"))
    result = project.runpytest(*harness_args())
    result.assert_outcomes(passed=4)  # 2 files x 2 targets, all live over HTTP
    assert len(made) == 1, f"{len(made)} HTTP clients for 4 items"
