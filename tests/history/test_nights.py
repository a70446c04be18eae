"""Three nights against the reference simulator, appended with `history=`; on night 3 the
provider is served by a gateway (OpenAI-style errors) that refuses temperature 1.2 (its range
narrowed to 0..1), and `harness history
regressions` names the case and the night."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness
from harness.cli.main import main
from harness.sim import SimConfig, SimServer
from harness.sim.config import GATEWAY_RANGES

KEY = "sk-night-TESTKEY-0123456789"
SUITE = """
suite: nightly
defaults:
  request: {max_tokens: 64}
cases:
  - id: hello
    request: {messages: [{role: user, content: Say hello.}]}
    expect: [{status: 200}]
  - id: warm
    request: {messages: [{role: user, content: Write a haiku.}], temperature: 1.2}
    expect: [{status: 200}]
  - id: too_hot
    request: {messages: [{role: user, content: Hi.}], temperature: 3.0}
    expect: [{status: 4xx}, {error_envelope: }]
  - id: cold
    request: {messages: [{role: user, content: Count to three.}], temperature: 0.0}
    expect: [{status: 200}]
"""
PROVIDERS = """
providers:
  m:
    extends: mistral
    base_url: ${NIGHT_SIM_URL}
    api_key_env: NIGHT_API_KEY
"""


def test_three_nights_regression_names_the_case_and_the_night(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "nightly.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    providers = tmp_path / "providers.yaml"
    providers.write_text(PROVIDERS, encoding="utf-8")
    history = tmp_path / "reports" / "history.sqlite"
    monkeypatch.setenv("NIGHT_API_KEY", KEY)
    narrow = {**GATEWAY_RANGES, "temperature": (0.0, 1.0)}
    with SimServer(SimConfig(dialect="mistral", api_keys={KEY})) as good, SimServer(
            SimConfig(dialect="openai", api_keys={KEY}, ranges=narrow,
                      models=("mistral-medium-3.5",))) as changed:
        for n, server in ((1, good), (2, good), (3, changed)):
            monkeypatch.setenv("NIGHT_SIM_URL", server.url)
            result = harness.run(suite, targets="m/mistral-medium-3.5", providers=providers,
                                 out=tmp_path / "reports", run_id=f"night-{n}",
                                 history=history, retries=0)
            assert result.passed is (n < 3)
            assert f"added run night-{n} to the history {history}" in result.lines
    assert main(["history", "regressions", "--history", str(history)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2, out
    assert out[1].startswith(
        "night 3 (run night-3): nightly::warm on m/mistral-medium-3.5 started failing "
        "(passed in run night-2, night 2): [status] status code 400, expected 200")
    # the gateway's error body is not Mistral's envelope any more: a regression of its own
    assert out[0].startswith(
        "night 3 (run night-3): nightly::too_hot on m/mistral-medium-3.5 started failing "
        "(passed in run night-2, night 2): [error_envelope]")
    assert all(line.endswith("; still failing") for line in out)
    assert main(["history", "regressions", "--history", str(history),
                 "--fail-on-regression"]) == 1
    capsys.readouterr()
    assert main(["history", "trend", "--target", "m/mistral-medium-3.5", "--history",
                 str(history)]) == 0
    trend = capsys.readouterr().out
    rates = [line.split()[4] for line in trend.split("\n\n")[0].splitlines()[2:]]
    assert rates == ["4/4", "4/4", "2/4"]
    # drift: the error envelope and the response shape changed on night 3
    assert ("run night-3: error envelopes new openai.error (1 jobs); no more "
            "mistral.detail_in_message") in trend
    assert "run night-3: chat response keys +service_tier +system_fingerprint" in trend
    page = tmp_path / "trend.html"
    assert main(["history", "trend", "--target", "m/mistral-medium-3.5", "--history",
                 str(history), "--html", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('<svg class="plot"') == 4 and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
