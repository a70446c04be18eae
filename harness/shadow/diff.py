"""The LLM-aware diff of two answers: one `FieldDiff` per field, pure and fast (per request).

    diff_answers(primary, other, config=None) -> {field: FieldDiff}

A FieldDiff is a JSON-able dict, the same shape for every field:

    differs   bool: the field differs beyond the field's own rule below
    kind      Diffy's difference type, or None when equal: "type" (a value changed type),
              "value" (same type, other value), "missing" (the primary has it, the other answer
              does not), "extra" (the other answer has it, the primary does not), "ordering"
              (the same elements in another order), "size" (a list of another length)
    detail    one line for people; never the answers' free text (it is written to hash logs)
    score     the field's figure: a similarity 0..1 (text, tool_names) or a ratio other /
              primary (length, usage, cost, latency); None when there is none
    paths     for json and tool_args: [{path, kind, primary, other}] (JSON path, Diffy kind,
              both values, containers summarised), at most `max_paths`; [] otherwise

Fields, in `FIELDS` order, and when each applies. A field that applies to neither answer is
ABSENT from the result (never a `differs: False` stand-in), so a field's difference rate is
over the pairs where it applies:

    status         always: the HTTP status (None: no response)
    error_class    always: the error's class (None: no error)
    finish_reason  when either answer has one
    tool_names     when either answer has tool calls: the same multiset of names, order
                   ignored; score = multiset Jaccard similarity
    tool_args      when a call on each side shares a name: calls matched by name (identical
                   arguments first, then in order), arguments compared as JSON by path
    json           when either answer has JSON-mode output: compared by JSON path
    text           when either answer has text: rapidfuzz's `token_set_ratio` (lowercased,
                   punctuation stripped) / 100, differs below `text_threshold`; a hashed
                   answer (a `hash` log read back) compares by digest only
    length         as text: the text length ratio, differs beyond `max_length_ratio` either way
    usage          when both answers report completion tokens: their ratio, differs beyond
                   1 + `usage_tolerance` either way
    cost           when both answers are priced: the ratio, differs above `max_cost_ratio`
    latency        when both answers have one: the ratio, differs above `max_latency_ratio`

Figures (usage, cost, latency) are compared only when both answers have them: a missing figure
follows from a failed arm, which status and error_class already count. Length and usage
differ either way (a shorter answer is a different answer); cost and latency only upwards (a
cheaper or faster candidate is not a difference to gate on: the detail says "cheaper" /
"faster", and the report shows the deltas).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from harness.shadow.pairs import Answer

__all__ = ["FIELDS", "KINDS", "DiffConfig", "diff_answers", "field_diff"]

FIELDS = ("status", "error_class", "finish_reason", "tool_names", "tool_args", "json", "text",
          "length", "usage", "cost", "latency")
KINDS = ("type", "value", "missing", "extra", "ordering", "size")
TEXT_MEASURE = "token_set_ratio"
MAX_DEPTH = 64  # JSON nesting compared; deeper is compared whole (canonical JSON)


@dataclass(frozen=True)
class DiffConfig:
    """The per-field rules; `DiffConfig()` is the default."""

    text_threshold: float = 0.6  # text differs when its similarity is below this
    max_length_ratio: float = 2.0  # length differs when other/primary is beyond this either way
    usage_tolerance: float = 0.5  # completion tokens ratio beyond 1 + this, either way
    max_cost_ratio: float = 1.5  # cost differs when other/primary is above this
    max_latency_ratio: float = 2.0  # latency differs when other/primary is above this
    max_paths: int = 20  # JSON path differences kept per field


DEFAULT = DiffConfig()


def field_diff(differs: bool, kind: str | None = None, detail: str = "",
               score: float | None = None, paths: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    """One FieldDiff dict (see the module docstring)."""
    return {"differs": differs, "kind": kind, "detail": detail, "score": score,
            "paths": paths or []}


def diff_answers(primary: Answer, other: Answer, config: DiffConfig | None = None
                 ) -> dict[str, dict[str, Any]]:
    """Per field, how `other` differs from `primary` (fields that apply to neither are
    absent). Pure: the answers are not changed."""
    cfg = config or DEFAULT
    out: dict[str, dict[str, Any]] = {
        "status": _scalar(primary.status, other.status),
        "error_class": _scalar(primary.error_class, other.error_class),
    }
    if primary.finish_reason is not None or other.finish_reason is not None:
        out["finish_reason"] = _scalar(primary.finish_reason, other.finish_reason)
    calls_p, calls_o = primary.tool_calls or [], other.tool_calls or []
    if calls_p or calls_o:
        out["tool_names"] = _tool_names(calls_p, calls_o)
        args = _tool_args(calls_p, calls_o, cfg)
        if args is not None:
            out["tool_args"] = args
    if primary.json_output is not None or other.json_output is not None:
        out["json"] = _json_field(primary.json_output, other.json_output, cfg)
    text_p, text_o = _text(primary.content), _text(other.content)
    if text_p.present or text_o.present:
        out["text"] = _text_field(text_p, text_o, cfg)
        out["length"] = _ratio_field(text_p.length, text_o.length, cfg.max_length_ratio,
                                     "characters")
    tokens_p, tokens_o = _completion_tokens(primary), _completion_tokens(other)
    if tokens_p is not None and tokens_o is not None:
        out["usage"] = _ratio_field(tokens_p, tokens_o, 1 + cfg.usage_tolerance,
                                    "completion tokens")
    if primary.cost_usd is not None and other.cost_usd is not None:
        out["cost"] = _ratio_field(primary.cost_usd, other.cost_usd, cfg.max_cost_ratio, "USD",
                                   lower="cheaper")
    if primary.latency_ms is not None and other.latency_ms is not None:
        out["latency"] = _ratio_field(primary.latency_ms, other.latency_ms,
                                      cfg.max_latency_ratio, "ms", lower="faster")
    return out


# -- scalars and figures -------------------------------------------------------------------------


def _scalar(a: Any, b: Any) -> dict[str, Any]:
    if a == b:
        return field_diff(False, None, f"same ({a!r})")
    if b is None:
        return field_diff(True, "missing", f"{a!r} -> none")
    if a is None:
        return field_diff(True, "extra", f"none -> {b!r}")
    kind = "value" if type(a) is type(b) else "type"
    return field_diff(True, kind, f"{a!r} -> {b!r}")


def _completion_tokens(answer: Answer) -> float | None:
    usage = answer.usage
    if not isinstance(usage, Mapping):
        return None
    value = usage.get("completion_tokens", usage.get("output_tokens"))
    return float(value) if isinstance(value, (int, float)) else None


def _ratio_field(a: float, b: float, limit: float, unit: str, lower: str | None = None
                 ) -> dict[str, Any]:
    """other / primary as the score; differs above `limit`, and below 1 / `limit` unless
    `lower` names what a lower figure is (then it is no difference: "faster", "cheaper")."""
    shown = f"{a:g} -> {b:g} {unit} ({b - a:+g})"
    if a == b:
        return field_diff(False, None, shown, 1.0)
    if lower is not None and b < a:
        return field_diff(False, None, f"{shown}, {lower}", b / a if a else None)
    if a == 0 or b == 0:
        kind = "extra" if a == 0 else "missing"
        return field_diff(True, kind, shown, None if a == 0 else 0.0)
    ratio = b / a
    differs = ratio > limit or (lower is None and ratio < 1 / limit)
    return field_diff(differs, "value" if differs else None, f"{shown}, {ratio:.2f}x", ratio)


# -- text ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    present: bool
    text: str | None  # None when only a digest is known (a hash log read back)
    digest: str | None
    length: int


_NO_TEXT = _Text(False, None, None, 0)


def _text(content: Any) -> _Text:
    if isinstance(content, str):
        return _Text(bool(content), content, None, len(content)) if content else _NO_TEXT
    if isinstance(content, Mapping):  # {"sha256", "len"} or {"len"}: a masked log's text
        length = int(content.get("len") or 0)
        return _Text(length > 0, None, content.get("sha256"), length)
    return _NO_TEXT


def _text_field(p: _Text, o: _Text, cfg: DiffConfig) -> dict[str, Any]:
    if not o.present:
        return field_diff(True, "missing", f"no text (primary: {p.length} characters)", 0.0)
    if not p.present:
        return field_diff(True, "extra", f"text where the primary had none ({o.length} "
                          "characters)", 0.0)
    if p.text is None or o.text is None:  # hashed: equal or not, similarity unknown
        same = p.digest is not None and p.digest == o.digest
        return field_diff(not same, None if same else "value",
                          "same digest" if same else "digests differ (similarity unknown: "
                          "the log holds hashes)", 1.0 if same else None)
    if p.text == o.text:
        return field_diff(False, None, f"identical ({TEXT_MEASURE} 1.00)", 1.0)
    score = fuzz.token_set_ratio(p.text, o.text, processor=default_process) / 100.0
    differs = score < cfg.text_threshold
    op = "<" if differs else ">="
    return field_diff(differs, "value" if differs else None,
                      f"{TEXT_MEASURE} {score:.2f} {op} {cfg.text_threshold:.2f}", score)


# -- tool calls ----------------------------------------------------------------------------------


def _name(call: Mapping[str, Any]) -> str:
    return str(call.get("name") or "")


def _tool_names(calls_p: list[dict[str, Any]], calls_o: list[dict[str, Any]]
                ) -> dict[str, Any]:
    names_p, names_o = Counter(map(_name, calls_p)), Counter(map(_name, calls_o))
    union = sum((names_p | names_o).values())
    score = sum((names_p & names_o).values()) / union if union else 1.0
    if names_p == names_o:
        order = [_name(c) for c in calls_p] != [_name(c) for c in calls_o]
        return field_diff(False, None, "same names" + (", other order (ignored)" if order else ""),
                          score)
    paths = []
    for name in sorted(set(names_p) | set(names_o)):
        a, b = names_p.get(name, 0), names_o.get(name, 0)
        if a != b:
            kind = "missing" if b == 0 else "extra" if a == 0 else "size"
            paths.append({"path": name, "kind": kind, "primary": a, "other": b})
    kinds = {p["kind"] for p in paths}
    kind = "missing" if "missing" in kinds else "extra" if "extra" in kinds else "size"
    detail = ", ".join(f"{p['path']}: {p['primary']} -> {p['other']} calls" for p in paths)
    return field_diff(True, kind, detail, score, paths)


def _arguments(call: Mapping[str, Any]) -> Any:
    args = call.get("arguments")
    if isinstance(args, str):
        try:
            return json.loads(args)
        except ValueError:
            return args  # not JSON: compared as one string
    return args


def _match_calls(calls_p: list[dict[str, Any]], calls_o: list[dict[str, Any]]
                 ) -> list[tuple[str, int, Any, Any]]:
    """(name, index within the name, primary args, other args) for the calls matched by name:
    identical arguments first, the rest in order."""
    by_name: dict[str, tuple[list[Any], list[Any]]] = {}
    for call in calls_p:
        by_name.setdefault(_name(call), ([], []))[0].append(_arguments(call))
    for call in calls_o:
        by_name.setdefault(_name(call), ([], []))[1].append(_arguments(call))
    out: list[tuple[str, int, Any, Any]] = []
    for name, (left, right) in by_name.items():
        rest_p, rest_o = list(left), list(right)
        pairs = []
        for args in left:
            if args in rest_o:
                rest_p.remove(args)
                rest_o.remove(args)
                pairs.append((args, args))
        pairs += list(zip(rest_p, rest_o))
        out += [(name, i, a, b) for i, (a, b) in enumerate(pairs)]
    return out


def _tool_args(calls_p: list[dict[str, Any]], calls_o: list[dict[str, Any]], cfg: DiffConfig
               ) -> dict[str, Any] | None:
    matched = _match_calls(calls_p, calls_o)
    if not matched:
        return None
    paths: list[dict[str, Any]] = []
    changed = 0
    for name, i, a, b in matched:
        before = len(paths)
        _json_paths(a, b, f"{name}#{i}", paths, cfg.max_paths, 0)
        changed += len(paths) > before
    if not paths:
        return field_diff(False, None, f"{len(matched)} matched calls, same arguments")
    return field_diff(True, _main_kind(paths), f"{changed} of {len(matched)} matched calls: "
                      + _paths_line(paths), None, paths)


# -- JSON by path (Diffy's difference types) -----------------------------------------------------


def _json_field(a: Any, b: Any, cfg: DiffConfig) -> dict[str, Any]:
    if b is None:
        return field_diff(True, "missing", "no JSON output (the primary had one)")
    if a is None:
        return field_diff(True, "extra", "JSON output where the primary had none")
    paths: list[dict[str, Any]] = []
    _json_paths(a, b, "$", paths, cfg.max_paths, 0)
    if not paths:
        return field_diff(False, None, "same JSON")
    return field_diff(True, _main_kind(paths), _paths_line(paths), None, paths)


def _kind_of(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    if isinstance(value, Mapping):
        return "dict"
    return type(value).__name__


def _summary(value: Any) -> Any:
    if isinstance(value, Mapping):
        return f"object({len(value)} keys)"
    if isinstance(value, list):
        return f"array({len(value)})"
    return value


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _add(paths: list[dict[str, Any]], limit: int, path: str, kind: str, a: Any, b: Any) -> None:
    if len(paths) < limit:
        paths.append({"path": path, "kind": kind, "primary": _summary(a), "other": _summary(b)})
    elif len(paths) == limit:  # one marker: more differences were not listed
        paths.append({"path": "...", "kind": kind, "primary": None, "other": None})


def _json_paths(a: Any, b: Any, path: str, paths: list[dict[str, Any]], limit: int,
                depth: int) -> None:
    """Append the differences of `b` from `a` under `path` (Diffy's types)."""
    kind_a = _kind_of(a)
    if kind_a != _kind_of(b):
        _add(paths, limit, path, "type", a, b)
        return
    if a == b and (kind_a not in ("dict", "list") or _canon(a) == _canon(b)):
        return  # (== alone takes true for 1 inside containers; the canonical form does not)
    if depth >= MAX_DEPTH:
        _add(paths, limit, path, "value", a, b)
    elif isinstance(a, Mapping):
        for key in a:
            sub = f"{path}.{key}"
            if key not in b:
                _add(paths, limit, sub, "missing", a[key], None)
            else:
                _json_paths(a[key], b[key], sub, paths, limit, depth + 1)
        for key in b:
            if key not in a:
                _add(paths, limit, f"{path}.{key}", "extra", None, b[key])
    elif isinstance(a, list):
        if len(a) != len(b):
            _add(paths, limit, path, "size", a, b)
        elif sorted(map(_canon, a)) == sorted(map(_canon, b)):
            _add(paths, limit, path, "ordering", a, b)
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                _json_paths(x, y, f"{path}[{i}]", paths, limit, depth + 1)
    else:
        _add(paths, limit, path, "value", a, b)


def _main_kind(paths: list[dict[str, Any]]) -> str:
    """The field's kind: the first of Diffy's types (in KINDS order) among its paths."""
    kinds = {p["kind"] for p in paths}
    return next(k for k in KINDS if k in kinds)


def _paths_line(paths: list[dict[str, Any]]) -> str:
    shown = [f"{p['path']} ({p['kind']})" for p in paths[:4] if p["path"] != "..."]
    more = len(paths) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
