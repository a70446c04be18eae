"""One case of a suite file + the suite's defaults -> a `Case` (see the merge rules in
`harness.suite.loader`'s docstring)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from harness.core.models import Case, CheckSpec
from harness.suite.checkspecs import merge_specs, read_specs
from harness.suite.data import Record, check_records, check_rendered_specs, read_data
from harness.suite.request import (
    RAW_REQUEST_KEYS,
    check_endpoint,
    check_images,
    check_matrix,
    check_tool_loop,
    merge_request,
)
from harness.suite.schema import request_fields
from harness.suite.source import SuiteSource
from harness.suite.template import bad_placeholder, names_in
from harness.suite.yamlmarks import JsonPath

DEFAULT_MAX_TURNS = 5


@dataclass
class Defaults:
    """A suite's `defaults:` block, its check lists already read."""

    data: dict[str, Any] = field(default_factory=dict)
    expect: list[CheckSpec] = field(default_factory=list)
    expect_each_turn: list[CheckSpec] = field(default_factory=list)

    @property
    def request(self) -> dict[str, Any]:
        return self.data.get("request") or {}


def read_defaults(src: SuiteSource, *, validate_checks: bool = True) -> Defaults:
    """The `defaults:` block; a body there is an error (it belongs in a raw: true case)."""
    data = src.doc.data.get("defaults") or {}
    if "body" in (data.get("request") or {}):
        raise src.fail(
            "defaults.request.body is not allowed: body belongs in a raw: true case",
            ("defaults", "request", "body"),
        )
    each_path = ("defaults", "expect_each_turn")
    return Defaults(
        data=data,
        expect=read_specs(
            src, data.get("expect") or [], ("defaults", "expect"), validate=validate_checks
        ),
        expect_each_turn=read_specs(
            src, data.get("expect_each_turn") or [], each_path, validate=validate_checks
        ),
    )


def build_case(
    src: SuiteSource,
    suite: str,
    i: int,
    raw_case: dict[str, Any],
    defaults: Defaults,
    *,
    validate_checks: bool = True,
) -> Case:
    """Case number `i` of the file with the defaults merged in, validated."""
    here: JsonPath = ("cases", i)
    raw = bool(raw_case.get("raw", False))
    request = merge_request(src, i, raw_case, defaults.request)
    matrix = copy.deepcopy(raw_case.get("matrix") or {})
    candidates = _variable_keys(raw, matrix)
    templated = "data" in raw_case or bool(candidates)
    expect, each = _case_specs(src, here, raw_case, defaults, validate_checks and not templated)
    used = names_in(request) | names_in([s.args for s in expect + each]) if templated else set()
    matrix_vars = tuple(k for k in candidates if k in used)
    check_matrix(src, here, raw, request, {k: v for k, v in matrix.items() if k not in matrix_vars})
    check_endpoint(src, here, raw_case, matrix)
    if not raw:
        check_images(src, src.names.case_label(i), request, raw_case, here)
    records = _records(src, here, raw_case, used, matrix, matrix_vars, expect + each,
                       validate_checks) if templated else []

    def pick(key: str, default: Any) -> Any:
        return raw_case[key] if key in raw_case else defaults.data.get(key, default)

    timeout = pick("timeout_s", None)
    return Case(
        suite=suite,
        id=raw_case["id"],
        request=request,
        expect=expect,
        matrix=matrix,
        repeat=int(pick("repeat", 1)),
        raw=raw,
        tags=tuple(dict.fromkeys([*defaults.data.get("tags", []), *raw_case.get("tags", [])])),
        targets=tuple(pick("targets", [])),
        dialects=tuple(pick("dialects", [])),
        description=raw_case.get("description") or "",
        loc=src.loc(here),
        timeout_s=float(timeout) if timeout is not None else None,
        tool_loop=_tool_loop(src, i, raw_case, defaults, request),
        expect_each_turn=each,
        data=records,
        matrix_vars=matrix_vars,
    )


def _variable_keys(raw: bool, matrix: dict[str, list[Any]]) -> list[str]:
    """Matrix keys that can only be `{{name}}` variables: plain names no request field has."""
    fields = set(RAW_REQUEST_KEYS) if raw else set(request_fields()) - {"body"}
    return [k for k in matrix if "." not in k and k not in fields]


def _records(
    src: SuiteSource, here: JsonPath, raw_case: dict[str, Any], used: set[str],
    matrix: dict[str, list[Any]], matrix_vars: tuple[str, ...], specs: list[CheckSpec],
    validate_checks: bool,
) -> list[Record]:
    """The case's data records, checked against its placeholders (a matrix-only templated
    case is checked as one empty record, and gives no records)."""
    for value in ([raw_case.get("request")], [s.args for s in specs]):
        bad = bad_placeholder(value)
        if bad is not None:
            raise src.fail(f"{src.names.case_label(here[1])}: {bad} is not a plain variable "
                           "name (placeholders are {{name}}, no expressions)", here)
    optional = ("model",) if raw_case.get("raw") else ()  # raw bodies: the target's model
    if "data" in raw_case:
        what, rows = read_data(src, here, raw_case["data"])
    else:
        what, rows = "matrix", [{}]
    records = check_records(src, here, what, rows, used, matrix_vars, optional)
    if validate_checks:
        first = {k: matrix[k][0] for k in matrix_vars}
        check_rendered_specs(src, here, what, specs, records, first)
    return records if "data" in raw_case else []


def _case_specs(
    src: SuiteSource,
    here: JsonPath,
    raw_case: dict[str, Any],
    defaults: Defaults,
    validate_checks: bool,
) -> tuple[list[CheckSpec], list[CheckSpec]]:
    """(expect, expect_each_turn), each merged over the defaults' list."""
    own = read_specs(src, raw_case.get("expect") or [], here + ("expect",), validate=validate_checks)
    own_each = read_specs(
        src, raw_case.get("expect_each_turn") or [], here + ("expect_each_turn",),
        validate=validate_checks,
    )
    return merge_specs(defaults.expect, own), merge_specs(defaults.expect_each_turn, own_each)


def _tool_loop(
    src: SuiteSource, i: int, raw_case: dict[str, Any], defaults: Defaults, request: dict[str, Any]
) -> dict[str, Any] | None:
    """The case's (or the defaults') tool_loop, checked, with `max_turns` filled in."""
    own = "tool_loop" in raw_case
    tool_loop = copy.deepcopy(raw_case["tool_loop"] if own else defaults.data.get("tool_loop"))
    if tool_loop is None:
        return None
    where: JsonPath = ("cases", i, "tool_loop") if own else ("defaults", "tool_loop")
    raw = bool(raw_case.get("raw", False))
    check_tool_loop(src, src.names.case_label(i), raw, request, tool_loop, where)
    tool_loop.setdefault("max_turns", DEFAULT_MAX_TURNS)
    return tool_loop  # type: ignore[no-any-return]
