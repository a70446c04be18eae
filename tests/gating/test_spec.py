"""The gate file: defaults, validation with file/key/line, "did you mean", --explain."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.gating import GateSpec, explain, load_spec
from harness.gating.spec import KEYS, Match

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_and_an_empty_file_are_the_default_gate(tmp_path: Path) -> None:
    assert load_spec(None) == GateSpec()
    assert load_spec(_write(tmp_path, "# nothing\n")) == GateSpec()
    # the table's defaults are the dataclass's defaults
    for key in KEYS:
        default = getattr(GateSpec(), key.name)
        assert default == (tuple(key.default) if isinstance(key.default, list) else key.default)


def test_the_example_migration_gate_loads() -> None:
    spec = load_spec(ROOT / "examples" / "gates" / "migration.yaml")
    assert Match("check", "error_envelope") in spec.must_pass
    assert [m.pattern for m in spec.expected_differences] == [
        "basic::safe_prompt", "errors::mistral_rejects_seed",
        "streaming::chat_stream_usage_mistral"]
    assert spec.budget_usd == 1.0


@pytest.mark.parametrize(("text", "message"), [
    ("max_latency_ratio: 2\nmax_regresions: 1\n",
     r"gate.yaml: line 2: unknown key 'max_regresions'; did you mean 'max_regressions'\?"),
    ("min_pass_rate: 1.5\n", r"line 1: min_pass_rate must be between 0 and 1, got 1.5"),
    ("max_regressions: -1\n", r"max_regressions must be >= 0"),
    ("max_regressions: 1.5\n", r"max_regressions must be a whole number"),
    ("max_latency_ratio: fast\n", r"max_latency_ratio must be a number, got 'fast'"),
    ("max_cost_ratio: 0\n", r"max_cost_ratio must be above 0"),
    ("min_pass_rate_on: wilson\n", r"one of point, wilson_low, got 'wilson'; did you mean"),
    ("must_pass: error_envelope\n", r"must_pass must be a list"),
    ("must_pass: [{chek: x}]\n", r"must_pass\[0\]: unknown key 'chek'; did you mean 'check'"),
    ("must_pass: [{check: x, tag: y}]\n", r"needs exactly one of check, tag, case"),
    ("expected_differences: [basic]\n", r"expected_differences\[0\] must be a mapping"),
    ("- a\n", r"a gate file is a mapping"),
    ("max_regressions: [1\n", r"gate.yaml: line 2: not valid YAML"),
])
def test_bad_gate_files_are_usage_errors_naming_file_key_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        load_spec(_write(tmp_path, text))


def test_a_missing_gate_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the gate file .*nope.yaml"):
        load_spec(tmp_path / "nope.yaml")


def test_thresholds_can_be_turned_off(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, "max_latency_ratio: null\nbudget_usd: 2\n"))
    assert spec.max_latency_ratio is None and spec.budget_usd == 2.0
    with pytest.raises(UsageError, match="max_regressions must be a number"):
        load_spec(_write(tmp_path, "max_regressions: null\n"))


def test_explain_prints_every_key_with_its_default() -> None:
    text = explain()
    lines = text.splitlines()
    assert lines[0] == "Gate file keys (YAML; every key optional). Default and meaning:"
    defaults = [line for line in lines if line and not line.startswith(" ") and ": " in line]
    assert defaults == [
        "min_pass_rate: null", "min_pass_rate_on: point", "max_regressions: 0",
        "max_pass_rate_drop: 0.0", "max_latency_ratio: 1.5", "max_ttft_ratio: 1.5",
        "max_cost_ratio: 1.25", "must_pass: []", "expected_differences: []",
        "max_missing_cases: 0", "max_new_failures: 0", "budget_usd: null", "alpha: 0.05"]
    flat = " ".join(text.split())
    assert "interval's lower bound exceeds the limit" in flat  # the latency rule, said
    assert "judged on the point estimate (cost is not sampled noise)" in flat
    assert "95% Wilson lower bound" in flat and "recorded latencies" in flat
