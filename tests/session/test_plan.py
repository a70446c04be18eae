"""plan_run: the one rule for the mode, keys, cassettes per job, simulators, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import MissingCredentialError, UsageError
from harness.providers.catalogue import load_catalogue
from harness.session import RunSettings, plan_run
from harness.session.plan import SIM_KEY, SIM_PLACEHOLDER, default_mode, missing_keys
from harness.suite import expand, load_suite_text

MISTRAL = "mistral/mistral-medium-3.5"
SUITE = """suite: s
cases:
  - id: needs_key
    request: {messages: [{role: user, content: hi}]}
  - id: wrong_key
    request: {auth: invalid, messages: [{role: user, content: hi}]}
    expect: [{status: 401}]
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


def _jobs(case_ids: set[str]) -> list:
    target = load_catalogue([]).resolve(MISTRAL)
    jobs = expand([load_suite_text(SUITE, "s.yaml")], [target])
    return [j for j in jobs if j.case.id in case_ids]


def test_the_mode_rule_looks_at_the_keys_the_jobs_need(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    assert default_mode(_jobs({"wrong_key"})) == ("live", [])  # auth: invalid needs no key
    mode, missing = default_mode(_jobs({"needs_key", "wrong_key"}))
    assert (mode, missing) == ("replay", ["MISTRAL_API_KEY (for mistral)"])
    assert default_mode(_jobs({"needs_key"}), simulate=True) == ("live", [])
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-x-12345678")
    assert missing_keys(_jobs({"needs_key"})) == []
    assert default_mode(_jobs({"needs_key"})) == ("live", [])


def test_plan_run_defaults_to_replay_and_plans_each_job(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    cassettes = tmp_path / "cassettes"
    settings = RunSettings(suites=(str(suite),), targets=(MISTRAL,), cassettes=str(cassettes))
    with pytest.raises(MissingCredentialError, match="holds none for these jobs"):
        plan_run(settings)  # replay, but nothing recorded
    # one recorded cassette is enough for a replay plan
    (cassettes / "s" / "needs_key" / "mistral").mkdir(parents=True)
    (cassettes / "s" / "needs_key" / "mistral" / "mistral-medium-3.5.yaml").write_text("{}")
    plan = plan_run(settings)
    assert plan.mode == "replay" and set(plan.modes.values()) == {"replay"}
    assert plan.keys == {} and plan.store is not None
    assert plan.notes and plan.notes[0].startswith("mode replay: MISTRAL_API_KEY (for mistral)")
    # auto: replay what is recorded, record what is not, decided once per cassette
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-test-0123456789")
    auto = plan_run(settings.but(mode="auto"))
    assert {j.case.id: auto.modes[j.id] for j in auto.jobs} == {
        "needs_key": "replay", "wrong_key": "record"}
    assert auto.keys == {"mistral": "sk-test-0123456789"}


def test_live_needs_the_key_and_simulate_needs_none(
    suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    settings = RunSettings(suites=(str(suite),), targets=(MISTRAL,), mode="live")
    with pytest.raises(MissingCredentialError, match="set MISTRAL_API_KEY .*add --simulate"):
        plan_run(settings)
    sim = plan_run(settings.but(simulate=True))
    assert sim.sim == "live" and sim.keys == {"sim-mistral": SIM_KEY}
    assert [t.name for t in sim.targets] == ["sim-mistral/mistral-medium-3.5"]
    assert sim.targets[0].provider.base_url == SIM_PLACEHOLDER  # aimed when the Run starts
    routed = plan_run(settings.but(simulate=True, mode="record"))
    assert routed.sim == "route" and routed.targets[0].name == MISTRAL
    assert routed.store.source.startswith("reference simulator")


@pytest.mark.parametrize(("changes", "message"), [
    ({"mode": "sideways"}, "--mode must be live, record, replay or auto"),
    ({"retries": -1}, "--retries must be >= 0"),
    ({"concurrency": 0}, "--concurrency must be >= 1"),
    ({"timeout_s": 0}, "--timeout must be > 0"),
    ({"mode": "nope", "flag_prefix": "--harness-"}, "--harness-mode must be"),
])
def test_bad_settings_are_usage_errors_naming_the_flag(changes: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        RunSettings(targets=(MISTRAL,), **changes)


def test_no_target_and_nothing_to_run_are_usage_errors(suite: Path) -> None:
    with pytest.raises(UsageError, match="no target given"):
        plan_run(RunSettings(suites=(str(suite),)))
    with pytest.raises(UsageError, match="nothing to run"):
        plan_run(RunSettings(suites=(str(suite),), targets=(MISTRAL,), shard=None,
                             simulate=True).but(suites=(str(_empty(suite)),)))


def _empty(suite: Path) -> Path:
    other = suite.with_name("only_gemini.yaml")
    other.write_text("suite: g\ncases:\n  - id: x\n    targets: ['gemini/*']\n"
                     "    request: {messages: [{role: user, content: hi}]}\n", encoding="utf-8")
    return other
