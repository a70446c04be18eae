"""The shadow gate file: thresholds on beyond-noise differences, in the gate file's format.

    # shadow-gate.yaml (every key optional; `explain()` prints this table)
    max_flagged_fields: 0          # fields differing beyond the noise floor allowed
    fields:                        # per-field limits (field names: harness.shadow.diff.FIELDS)
      tool_args: {max_rate: 0.01}  # candidate difference rate at most 1%
      text: {max_excess: 0.05}     # at most 5 pp above the noise rate
      latency: {ignore: true}      # never counted as a flagged field
    relative_threshold: 0.2        # Diffy's: the excess over the noise rate, relative
    absolute_threshold: 0.0003     # Diffy's: the excess, absolute (0.03 pp)
    require_significance: true     # the excess's interval must clear 0
    alpha: 0.05                    # chance of any field flagged by chance (split over fields)
    min_pairs: 1                   # fewer mirrored pairs: FAIL (too little traffic to judge)
    require_secondary: false       # true: a log without a noise floor FAILs

`KEYS` is the one table: name, default, meaning. Loading validates each value and rejects an
unknown key (top level or per field) with a "did you mean" hint; errors name the file, the key
and its line. `judge(result, spec)` turns a `NoiseResult` into a `ShadowVerdict`: one check
per threshold, PASS / FAIL / SKIP, exit code 0 pass, 1 fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.core.hints import hint
from harness.shadow.diff import FIELDS
from harness.shadow.noise import NoiseConfig, NoiseResult

__all__ = [
    "FIELD_KEYS",
    "KEYS",
    "GateCheck",
    "ShadowGate",
    "ShadowVerdict",
    "explain",
    "gate_from_mapping",
    "judge",
    "load_gate",
]


@dataclass(frozen=True)
class SpecKey:
    """One key of the shadow gate file: its default and what it means."""

    name: str
    default: Any
    meaning: str
    kind: str  # "count", "fraction", "ratio", "bool", "alpha", "fields"


KEYS: tuple[SpecKey, ...] = (
    SpecKey("max_flagged_fields", 0, "fields whose candidate difference rate exceeds the "
            "noise floor by both thresholds (Diffy's rule) allowed; fields with ignore: true "
            "are not counted", "count"),
    SpecKey("fields", {}, "per-field limits: FIELD: {max_rate: F, max_excess: F, ignore: "
            "BOOL}; max_rate bounds the candidate's difference rate, max_excess the rate "
            "minus the noise rate (point estimates); fields: " + ", ".join(FIELDS), "fields"),
    SpecKey("relative_threshold", 0.2, "Diffy's relative threshold: a field is flagged only "
            "when its excess over the noise rate is more than this share of the noise rate",
            "ratio"),
    SpecKey("absolute_threshold", 0.0003, "Diffy's absolute threshold: ... and more than this "
            "(a fraction: 0.0003 = 0.03 pp)", "fraction"),
    SpecKey("require_significance", True, "also require the excess's interval to clear 0, so "
            "a candidate as random as the primary is not flagged by chance", "bool"),
    SpecKey("alpha", 0.05, "the chance of flagging some field by chance, split over the "
            "fields judged (Bonferroni)", "alpha"),
    SpecKey("min_pairs", 1, "fewest mirrored pairs to judge; fewer: FAIL", "count"),
    SpecKey("require_secondary", False, "FAIL when no pair has a secondary (the noise floor "
            "is unknown and taken as 0)", "bool"),
)
FIELD_KEYS = ("max_rate", "max_excess", "ignore")
_BY_NAME = {k.name: k for k in KEYS}


@dataclass(frozen=True)
class FieldLimit:
    max_rate: float | None = None
    max_excess: float | None = None
    ignore: bool = False


@dataclass(frozen=True)
class ShadowGate:
    """The thresholds of one shadow gate; `ShadowGate()` is the default gate."""

    max_flagged_fields: int = 0
    fields: Mapping[str, FieldLimit] = field(default_factory=dict)
    relative_threshold: float = 0.2
    absolute_threshold: float = 0.0003
    require_significance: bool = True
    alpha: float = 0.05
    min_pairs: int = 1
    require_secondary: bool = False
    source: str = field(default="default shadow gate", compare=False)

    def noise_config(self) -> NoiseConfig:
        return NoiseConfig(self.relative_threshold, self.absolute_threshold,
                           self.require_significance, self.alpha)

    def to_dict(self) -> dict[str, Any]:
        return {k.name: getattr(self, k.name) if k.name != "fields" else {
            name: {key: getattr(lim, key) for key in FIELD_KEYS} for name, lim in
            self.fields.items()} for k in KEYS}


def _number(name: str, value: Any, kind: str, where: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise UsageError(f"{where}: {name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where}: {name} must be a number, got {value!r}")
    lo, hi = {"fraction": (0.0, 1.0), "alpha": (1e-9, 0.5), "ratio": (0.0, 100.0),
              "count": (0, 10**12)}[kind]
    if not lo <= value <= hi:
        raise UsageError(f"{where}: {name} must be between {lo:g} and {hi:g}, got {value!r}")
    if kind == "count":
        if int(value) != value:
            raise UsageError(f"{where}: {name} must be a whole number, got {value!r}")
        return int(value)
    return float(value)


def _fields(value: Any, where: str) -> dict[str, FieldLimit]:
    if not isinstance(value, Mapping):
        raise UsageError(f"{where}: fields must be a mapping like {{tool_args: {{max_rate: "
                         "0.01}}")
    out = {}
    for name, limits in value.items():
        if name not in FIELDS:
            raise UsageError(f"{where}: fields: unknown field {name!r}{hint(str(name), FIELDS)}"
                             f" (fields: {', '.join(FIELDS)})")
        if not isinstance(limits, Mapping):
            raise UsageError(f"{where}: fields.{name} must be a mapping like {{max_rate: 0.01}}")
        values: dict[str, Any] = {}
        for key, v in limits.items():
            if key not in FIELD_KEYS:
                raise UsageError(f"{where}: fields.{name}: unknown key {key!r}"
                                 f"{hint(str(key), FIELD_KEYS)}")
            values[key] = None if v is None and key != "ignore" else _number(
                f"fields.{name}.{key}", v, "bool" if key == "ignore" else "fraction", where)
        out[name] = FieldLimit(**values)
    return out


def gate_from_mapping(data: Mapping[str, Any], source: str = "shadow gate",
                      lines: Mapping[str, int] | None = None) -> ShadowGate:
    """A ShadowGate from a mapping (the parsed gate file); unknown keys are refused."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        where = f"{source}: line {lines[name]}" if lines and name in lines else source
        key = _BY_NAME.get(str(name))
        if key is None:
            raise UsageError(f"{where}: unknown key {name!r}{hint(str(name), _BY_NAME)} "
                             f"(shadow gate keys: {', '.join(_BY_NAME)})")
        values[key.name] = (_fields(value, where) if key.kind == "fields"
                            else _number(key.name, value, key.kind, where))
    return ShadowGate(**values, source=source)


def load_gate(path: str | Path | None) -> ShadowGate:
    """The shadow gate file at `path` (YAML), or the default gate when None."""
    if path is None:
        return ShadowGate()
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the shadow gate file {path}: "
                         f"{exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f": line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path}{at}: not valid YAML "
                         f"({getattr(exc, 'problem', None) or 'invalid YAML'})") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise UsageError(f"{path}: a shadow gate file is a mapping of thresholds "
                         f"({', '.join(_BY_NAME)})")
    lines = ({str(k.value): k.start_mark.line + 1 for k, _ in node.value}
             if isinstance(node, yaml.MappingNode) else {})
    return gate_from_mapping(data, str(path), lines)


def explain() -> str:
    """Every key of the shadow gate file with its default and meaning."""
    import textwrap

    out = ["Shadow gate file keys (YAML; every key optional). Default and meaning:", ""]
    for key in KEYS:
        default = {True: "true", False: "false"}.get(key.default, key.default) if isinstance(
            key.default, bool) else key.default
        out.append(f"{key.name}: {default}")
        out += textwrap.wrap(key.meaning, 92, initial_indent="    ", subsequent_indent="    ")
    out += ["", "Exit 0 pass, 1 fail, 2 usage error."]
    return "\n".join(out)


# -- the verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateCheck:
    """One threshold: its value, limit and PASS / FAIL / SKIP."""

    name: str
    value: str
    limit: str
    status: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit,
                "status": self.status, "detail": self.detail}


@dataclass
class ShadowVerdict:
    """The gate's decision over one pair log."""

    checks: list[GateCheck]
    gate: ShadowGate

    @property
    def passed(self) -> bool:
        return all(c.status != "FAIL" for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def label(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.label, "exit_code": self.exit_code, "gate": self.gate.source,
                "thresholds": self.gate.to_dict(), "checks": [c.to_dict() for c in self.checks]}


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}%"


def judge(result: NoiseResult, gate: ShadowGate | None = None) -> ShadowVerdict:
    """The checks of `gate` over a NoiseResult (judged with the gate's own thresholds)."""
    gate = gate or ShadowGate()
    checks = [GateCheck("min_pairs", str(result.pairs), f">= {gate.min_pairs}",
                        "PASS" if result.pairs >= gate.min_pairs else "FAIL",
                        "" if result.pairs >= gate.min_pairs else "too little traffic to judge")]
    checks.append(GateCheck("require_secondary", "yes" if result.noise_known else "no",
                            "required" if gate.require_secondary else "optional",
                            "FAIL" if gate.require_secondary and not result.noise_known else
                            "PASS", "" if result.noise_known else result.note()))
    ignored = {name for name, lim in gate.fields.items() if lim.ignore}
    flagged = [f for f in result.flagged if f.field not in ignored]
    checks.append(GateCheck("max_flagged_fields", str(len(flagged)), f"<= {gate.max_flagged_fields}",
                            "PASS" if len(flagged) <= gate.max_flagged_fields else "FAIL",
                            ", ".join(f"{f.field} ({f.reason})" for f in flagged)))
    by_name = result.by_name()
    for name, lim in gate.fields.items():
        fn = by_name.get(name)
        for key, limit in (("max_rate", lim.max_rate), ("max_excess", lim.max_excess)):
            if limit is None:
                continue
            if fn is None or fn.candidate.rate is None:
                checks.append(GateCheck(f"fields.{name}.{key}", "-", f"<= {_pct(limit)}",
                                        "SKIP", "the field applied to no pair"))
                continue
            value = fn.candidate.rate if key == "max_rate" else fn.excess
            checks.append(GateCheck(f"fields.{name}.{key}", _pct(value), f"<= {_pct(limit)}",
                                    "PASS" if value <= limit else "FAIL"))
    return ShadowVerdict(checks, gate)
