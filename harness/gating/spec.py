"""The gate file: thresholds as data, each optional with a documented default.

    # gate.yaml (every key optional; `harness gate --explain` prints this table)
    min_pass_rate: 0.95          # null: not judged
    min_pass_rate_on: point      # point | wilson_low
    max_regressions: 0
    max_pass_rate_drop: 0.0      # fraction: 0.05 = 5 percentage points
    max_latency_ratio: 1.5       # p50 and p95, candidate / baseline
    max_ttft_ratio: 1.5
    max_cost_ratio: 1.25
    must_pass: [{check: error_envelope}, {tag: tools}, {case: "errors::*"}]
    expected_differences: [{case: "basic::safe_prompt", reason: Mistral-only parameter}]
    max_missing_cases: 0
    max_new_failures: 0
    budget_usd: null
    alpha: 0.05

`KEYS` is the one table: name, default, meaning. Loading validates each value and rejects an
unknown key with a "did you mean" hint; errors name the file, the key and its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.core.hints import hint

__all__ = ["KEYS", "GateSpec", "SpecKey", "explain", "load_spec", "spec_from_mapping"]

MATCH_KINDS = ("check", "tag", "case")
PASS_RATE_ON = ("point", "wilson_low")


@dataclass(frozen=True)
class SpecKey:
    """One key of the gate file: its default and what it means (printed by --explain)."""

    name: str
    default: Any
    meaning: str
    kind: str  # "fraction", "ratio", "count", "usd", "choice", "matches", "alpha"


KEYS: tuple[SpecKey, ...] = (
    SpecKey("min_pass_rate", None, "lowest candidate pass rate (passed jobs / jobs, 0..1) "
            "allowed; null: reported, not judged", "fraction"),
    SpecKey("min_pass_rate_on", "point", "what min_pass_rate is judged on: the point "
            "estimate, or the 95% Wilson lower bound (demands confidence, stricter on few "
            "jobs)", "choice"),
    SpecKey("max_regressions", 0, "case-level regressions allowed among the common cases: "
            "a case that passed every baseline repeat and fails every candidate repeat (counts "
            "even with one repeat: in replay nothing is random), or whose candidate pass "
            "fraction is lower with one-sided Fisher p < alpha on the repeat counts (a flaky "
            "baseline case needs that); a lower fraction without it is noise, listed, not "
            "counted", "count"),
    SpecKey("max_pass_rate_drop", 0.0, "largest drop of the net share of common cases "
            "passing allowed (0.05 = 5 pp); FAIL only when the exact interval (the one that "
            "agrees with McNemar's exact test on the cases that changed) lies wholly below "
            "-limit: with 0, when the drop is significant", "fraction"),
    SpecKey("max_latency_ratio", 1.5, "candidate / baseline p50 and p95 latency over the "
            "common cases (each case's median over its repeats, jobs that passed); FAIL "
            "only when the paired bootstrap interval's lower bound exceeds the limit (the "
            "slowdown is certain, so noise does not flake CI); replayed rows carry the "
            "recorded latencies", "ratio"),
    SpecKey("max_ttft_ratio", 1.5, "the same rule for time to first token (p50 and p95, "
            "streamed common cases)", "ratio"),
    SpecKey("max_cost_ratio", 1.25, "candidate / baseline cost over the common cases priced on "
            "both sides (each case's mean cost per priced job, summed: not totals over "
            "different case sets); unknown costs excluded and counted; judged on the point "
            "estimate (cost is not sampled noise)", "ratio"),
    SpecKey("must_pass", [], "checks, tags or cases that may never fail on the candidate: "
            "entries {check: NAME}, {tag: GLOB} or {case: SUITE::CASE glob}; any failing "
            "candidate job matching one fails the gate", "matches"),
    SpecKey("expected_differences", [], "cases or tags that exist on one side only by "
            "design (dialect-limited cases): {case: GLOB} or {tag: GLOB}, with an optional "
            "reason; only unexpected coverage loss counts", "matches"),
    SpecKey("max_missing_cases", 0, "baseline cases the candidate did not run and that "
            "expected_differences does not name", "count"),
    SpecKey("max_new_failures", 0, "failing cases that only the candidate ran", "count"),
    SpecKey("budget_usd", None, "most the candidate run may cost (known costs; unknown "
            "costs are flagged, not failed); null: reported, not judged", "usd"),
    SpecKey("alpha", 0.05, "significance level of every test and interval (Fisher per case, "
            "McNemar interval, bootstrap level 1 - alpha)", "alpha"),
)
_BY_NAME = {k.name: k for k in KEYS}


@dataclass(frozen=True)
class Match:
    """A must_pass or expected_differences entry: one of check / tag / case, a glob."""

    kind: str
    pattern: str
    reason: str = ""

    def label(self) -> str:
        return f"{self.kind}: {self.pattern}"


@dataclass(frozen=True)
class GateSpec:
    """The thresholds of one gate; `GateSpec()` is the default gate."""

    min_pass_rate: float | None = None
    min_pass_rate_on: str = "point"
    max_regressions: int = 0
    max_pass_rate_drop: float = 0.0
    max_latency_ratio: float | None = 1.5
    max_ttft_ratio: float | None = 1.5
    max_cost_ratio: float | None = 1.25
    must_pass: tuple[Match, ...] = ()
    expected_differences: tuple[Match, ...] = ()
    max_missing_cases: int = 0
    max_new_failures: int = 0
    budget_usd: float | None = None
    alpha: float = 0.05
    source: str = field(default="default gate", compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("must_pass", "expected_differences"):
                value = [{m.kind: m.pattern, **({"reason": m.reason} if m.reason else {})}
                         for m in value]
            out[f.name] = value
        return out


def _check_value(key: SpecKey, value: Any, where: str) -> Any:
    """The value of one key, validated; UsageError naming the file, key and line."""
    if value is None and (key.default is None or key.kind == "ratio"):
        return None  # a threshold turned off (or never on)
    if key.kind == "matches":
        return _matches(key.name, value, where)
    if key.kind == "choice":
        if value not in PASS_RATE_ON:
            raise UsageError(f"{where}: {key.name} must be one of {', '.join(PASS_RATE_ON)}, "
                             f"got {value!r}{hint(str(value), PASS_RATE_ON)}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where}: {key.name} must be a number, got {value!r}")
    bounds = {"fraction": (0.0, 1.0), "alpha": (1e-9, 0.5), "ratio": (0.0, None),
              "count": (0, None), "usd": (0.0, None)}[key.kind]
    lo, hi = bounds
    if value < lo or (hi is not None and value > hi) or (key.kind == "ratio" and value == 0):
        want = f"between {lo:g} and {hi:g}" if hi is not None else f"above {lo:g}" if (
            key.kind == "ratio") else f">= {lo:g}"
        raise UsageError(f"{where}: {key.name} must be {want}, got {value!r}")
    if key.kind == "count":
        if int(value) != value:
            raise UsageError(f"{where}: {key.name} must be a whole number, got {value!r}")
        return int(value)
    return float(value)


def _matches(name: str, value: Any, where: str) -> tuple[Match, ...]:
    if not isinstance(value, list):
        raise UsageError(f"{where}: {name} must be a list of entries like {{case: 'suite::*'}}")
    out = []
    for i, entry in enumerate(value):
        spot = f"{where}: {name}[{i}]"
        if not isinstance(entry, Mapping):
            raise UsageError(f"{spot} must be a mapping like {{tag: tools}}, got {entry!r}")
        kinds = [k for k in entry if k in MATCH_KINDS]
        unknown = [k for k in entry if k not in (*MATCH_KINDS, "reason")]
        if unknown:
            raise UsageError(f"{spot}: unknown key {unknown[0]!r}"
                             f"{hint(str(unknown[0]), (*MATCH_KINDS, 'reason'))}")
        if len(kinds) != 1 or not isinstance(entry[kinds[0]], str) or not entry[kinds[0]]:
            raise UsageError(f"{spot} needs exactly one of {', '.join(MATCH_KINDS)} "
                             "with a non-empty text value")
        out.append(Match(kinds[0], entry[kinds[0]], str(entry.get("reason") or "")))
    return tuple(out)


def spec_from_mapping(data: Mapping[str, Any], source: str = "gate",
                      lines: Mapping[str, int] | None = None) -> GateSpec:
    """A GateSpec from a mapping (the parsed gate file); unknown keys are refused."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        where = f"{source}: line {lines[name]}" if lines and name in lines else source
        key = _BY_NAME.get(str(name))
        if key is None:
            raise UsageError(f"{where}: unknown key {name!r}{hint(str(name), _BY_NAME)} "
                             "(harness gate --explain lists the keys)")
        values[key.name] = _check_value(key, value, where)
    return GateSpec(**values, source=source)


def _key_lines(text: str) -> dict[str, int]:
    """Top-level key -> 1-based line, from the YAML node tree (cheap: no second parse)."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def load_spec(path: str | Path | None) -> GateSpec:
    """The gate file at `path` (YAML), or the default gate when None."""
    if path is None:
        return GateSpec()
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the gate file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f": line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}{at}: not valid YAML ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise UsageError(f"{path}: a gate file is a mapping of thresholds (see harness gate "
                         "--explain)")
    return spec_from_mapping(data, str(path), _key_lines(text))


def explain() -> str:
    """Every key of the gate file with its default and meaning (`harness gate --explain`)."""
    import textwrap

    import yaml

    out = ["Gate file keys (YAML; every key optional). Default and meaning:", ""]
    for key in KEYS:
        default = yaml.safe_dump(key.default, default_flow_style=True).strip()
        default = default.removesuffix("\n...").removesuffix("...").strip()
        out.append(f"{key.name}: {default}")
        out += textwrap.wrap(key.meaning, 92, initial_indent="    ", subsequent_indent="    ")
    out += ["", ("Cases are paired on (suite, case, variant) between ONE candidate target and ONE "
            "baseline target;"), ("a case's repeats are grouped, never treated as independent "
            "jobs. Exit 0 pass, 1 fail, 2 usage error.")]
    return "\n".join(out)
