"""A case's request: defaults merged in, and what the schema cannot say about it.

The schema checks each request field's shape; this module checks the request as a whole, after
merging: a raw case (raw: true) sets only body, endpoint and auth; a translated case has
messages and no body; matrix keys name request fields and their values fit those fields; local
image files exist; a tool loop has function tools to call. Validation of a request field that
needs more than the schema (a registry lookup, a file on disk) belongs in `check_request`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from harness.suite.expand import render_value, set_path
from harness.suite.naming import describe, did_you_mean, unknown_key_message
from harness.suite.schema import check_request_field, request_fields
from harness.suite.source import SuiteSource
from harness.suite.yamlmarks import JsonPath

# request keys a raw case may set (everything else goes inside `body`)
RAW_REQUEST_KEYS = ("body", "endpoint", "auth")


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A new dict: `base` with `over` on top; nested mappings merge, anything else is replaced."""
    result = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def merge_request(
    src: SuiteSource, i: int, raw_case: dict[str, Any], d_request: dict[str, Any]
) -> dict[str, Any]:
    """The case's request with the defaults' merged in (a raw case inherits endpoint and auth
    only), checked with `check_request`."""
    here: JsonPath = ("cases", i)
    label = src.names.case_label(i)
    raw = bool(raw_case.get("raw", False))
    own = raw_case.get("request") or {}
    if raw:
        for key in own:
            if key not in RAW_REQUEST_KEYS:
                raise src.fail(
                    f"{label} request.{key} is not used with raw: true; only body, endpoint "
                    "and auth are (write the whole JSON body under body)",
                    here + ("request", key),
                )
        request = {k: copy.deepcopy(v) for k, v in d_request.items() if k in RAW_REQUEST_KEYS}
        request.update(copy.deepcopy(own))
    else:
        if "body" in own:
            raise src.fail(
                f"{label} request.body is only used with raw: true", here + ("request", "body")
            )
        request = deep_merge(d_request, own)
    check_request(src, i, raw_case, request)
    return request


def check_request(
    src: SuiteSource, i: int, raw_case: dict[str, Any], request: dict[str, Any]
) -> None:
    """The merged request of case `i` (raw or not) is one the harness can send: the place for
    request checks beyond the schema's (matrix values and image files are checked after)."""
    if not raw_case.get("raw", False) and "messages" not in request:
        here: JsonPath = ("cases", i)
        where = here + ("request",) if "request" in raw_case else here
        raise src.fail(
            f"missing key 'messages' in {src.names.case_label(i)} request "
            "(needed unless raw: true)",
            where,
        )


def check_images(
    src: SuiteSource, label: str, request: dict[str, Any], raw_case: dict[str, Any], here: JsonPath
) -> None:
    """Local image files named in `request.images` exist (relative to the suite's folder
    or the working directory), so a typo is a load error with its line, not a run error."""
    from harness.wire.images import is_remote

    display = src.display
    folder = Path(display).parent if not display.startswith("<") else None
    for j, ref in enumerate(request.get("images") or []):
        if not isinstance(ref, str) or is_remote(ref) or ref.startswith("data:"):
            continue
        path = Path(ref).expanduser()
        candidates = [path] if path.is_absolute() else (
            ([folder / path] if folder is not None else []) + [Path.cwd() / path]
        )
        if not any(c.is_file() for c in candidates):
            own = "images" in (raw_case.get("request") or {})
            where = here + ("request", "images", j) if own else ("defaults", "request", "images")
            raise src.fail(
                f"{label} request.images[{j}]: image file {ref!r} not found (paths are "
                "relative to the suite file's folder or the current folder)",
                where,
            )


def check_matrix(
    src: SuiteSource, here: JsonPath, raw: bool, request: dict[str, Any], matrix: dict[str, list[Any]]
) -> None:
    """Matrix keys name request fields (dotted paths into them allowed), values are distinct
    and each fits the field's schema."""
    label = src.names.case_label(here[1])
    allowed = list(RAW_REQUEST_KEYS) if raw else [f for f in request_fields() if f != "body"]
    for key, values in matrix.items():
        kpath = here + ("matrix", key)
        head, dot, _rest = key.partition(".")
        if head not in allowed:
            msg = unknown_key_message(head, f"in {label} matrix", allowed)
            if dot:
                msg = msg.replace(f"unknown key {head!r}", f"unknown key {head!r} (of {key!r})")
            raise src.fail(msg + " (matrix keys are request fields)", kpath)
        _check_distinct(src, label, key, values, kpath)
        if dot:
            try:
                set_path(copy.deepcopy(request), key, values[0])
            except ValueError as exc:
                raise src.fail(f"{label} matrix: {exc}", kpath) from None
        else:
            for j, value in enumerate(values):
                check_request_field(src, head, value, kpath + (j,))


def _check_distinct(
    src: SuiteSource, label: str, key: str, values: list[Any], kpath: JsonPath
) -> None:
    seen: dict[str, int] = {}
    for j, value in enumerate(values):
        shown = render_value(value)
        if shown in seen:
            raise src.fail(
                f"{label} matrix.{key} lists {shown} twice (items {seen[shown]} and {j})",
                kpath + (j,),
            )
        seen[shown] = j


def check_tool_loop(
    src: SuiteSource,
    label: str,
    raw: bool,
    request: dict[str, Any],
    tool_loop: dict[str, Any],
    where: JsonPath,
) -> None:
    """tool_loop needs a translated request with function tools; results name them."""
    if raw:
        raise src.fail(
            f"{label} tool_loop cannot run a raw: true case (the harness must build each "
            "turn's request)",
            where,
        )
    names = [
        t["function"]["name"]
        for t in request.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
        and isinstance(t["function"].get("name"), str)
    ]
    if not names:
        raise src.fail(
            f"{label} tool_loop needs request.tools: the functions the model may call", where
        )
    for tool in tool_loop.get("results") or {}:
        if tool not in names:
            msg = f"{label} tool_loop.results names {tool!r}, which request.tools does not declare"
            hint = did_you_mean(tool, names)
            msg += f"; did you mean {hint!r}?" if hint else f" (tools: {', '.join(names)})"
            raise src.fail(msg, where + ("results", tool))


def check_endpoint(src: SuiteSource, here: JsonPath, raw_case: dict[str, Any],
                   matrix: dict[str, list[Any]]) -> None:
    """Every endpoint the case can call (request, defaults, matrix) names a registered wire
    protocol: an unknown one is a load error with its line, never a silent chat call."""
    from harness.wire.protocols import endpoints

    known = endpoints()
    label = src.names.case_label(here[1])
    own = raw_case.get("request") or {}
    d_request = (src.doc.data.get("defaults") or {}).get("request") or {}
    named: list[tuple[JsonPath, Any]] = []
    if "endpoint" in own:
        named.append((here + ("request", "endpoint"), own["endpoint"]))
    elif "endpoint" in d_request:
        named.append((("defaults", "request", "endpoint"), d_request["endpoint"]))
    for j, value in enumerate(matrix.get("endpoint") or []):
        named.append((here + ("matrix", "endpoint", j), value))
    for path, name in named:
        if name not in known:
            choices = ", ".join(repr(c) for c in known)
            msg = f"{label} request.endpoint must be one of {choices}, got {describe(name)}"
            close = did_you_mean(name, known) if isinstance(name, str) else None
            raise src.fail(f"{msg}; did you mean {close!r}?" if close else msg, path)
