"""Helpers shared by the built-in checks (argument parsing, success-body guard, schemas)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.validators import validator_for

from harness.checks.base import CheckContext
from harness.core.errors import CheckFailure
from harness.core.hints import hint
from harness.core.models import Exchange, Normalized
from harness.wire.errors import classify_error

MAX_SCHEMA_ERRORS = 5


# -- argument helpers --------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_flag(args: Any) -> bool:
    """`- check:` (null) or `- check: true`: the check with no arguments."""
    return args is None or args is True


def reject_unknown_keys(args: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    allowed = list(allowed)
    for key in args:
        if key not in allowed:
            raise ValueError(
                f"unknown {what} key {key!r}{hint(str(key), allowed)} "
                f"(allowed: {', '.join(allowed)})"
            )


def str_list(value: Any, what: str) -> list[str]:
    """A string or a non-empty list of strings -> list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"{what} must be a string or a non-empty list of strings, got {value!r}")


def parse_bounds(value: Any, what: str) -> tuple[float | None, float | None]:
    """`{max: X, min: Y}` or a bare number (= max) -> (min, max)."""
    if is_number(value):
        if value < 0:
            raise ValueError(f"{what}: max must be >= 0, got {value!r}")
        return None, float(value)
    if isinstance(value, Mapping):
        reject_unknown_keys(value, ("min", "max"), what)
        if not value:
            raise ValueError(f"{what}: give max and/or min")
        lo, hi = value.get("min"), value.get("max")
        for name, bound in (("min", lo), ("max", hi)):
            if bound is not None and not is_number(bound):
                raise ValueError(f"{what}: {name} must be a number, got {bound!r}")
            if bound is not None and bound < 0:
                raise ValueError(f"{what}: {name} must be >= 0, got {bound!r}")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"{what}: min {lo} is above max {hi}")
        return (None if lo is None else float(lo)), (None if hi is None else float(hi))
    raise ValueError(f"{what} must be a number (the max) or a mapping {{max, min}}, got {value!r}")


def fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# -- success-body guard ------------------------------------------------------------------------


def require_success(ctx: CheckContext, exchange: Exchange) -> Normalized:
    """The normalised success body, or a CheckFailure saying why there is none."""
    if ctx.normalized is not None:
        return ctx.normalized
    status = exchange.status_code
    if status is None:
        reason = exchange.error_class or "no response"
        detail = f": {exchange.error_message}" if exchange.error_message else ""
        raise CheckFailure(
            f"no success body: {reason}{detail}", expected="a success response", received=None
        )
    if status >= 400:
        info = classify_error(status, exchange.body, exchange.response_headers)
        raise CheckFailure(
            f"no success body: HTTP {status} {info.error_class} error",
            expected="a success response",
            received={"status": status, "message": info.message[:500]},
        )
    raise CheckFailure(
        f"no success body: HTTP {status} body is not a recognised {ctx.target.dialect} response",
        expected="a success response body",
        received=exchange.text[:500],
    )


# -- JSON Schema helpers -----------------------------------------------------------------------


def make_validator(schema: Any) -> Any:
    """A jsonschema validator for `schema` (its $schema picks the draft; default 2020-12)."""
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


@lru_cache(maxsize=256)
def _validator_from_text(schema_text: str) -> Any:
    return make_validator(json.loads(schema_text))


def cached_validator(schema: Any) -> Any:
    """make_validator with a cache keyed by the schema's JSON text (raises SchemaError)."""
    return _validator_from_text(json.dumps(schema, sort_keys=True, default=str))


def check_schema_arg(schema: Any, what: str) -> None:
    if not isinstance(schema, (dict, bool)):
        raise ValueError(f"{what} must be a JSON Schema mapping, got {type(schema).__name__}")  # noqa: TRY004
    try:
        make_validator(schema)
    except SchemaError as exc:
        raise ValueError(f"{what} is not a valid JSON Schema: {exc.message}") from None


@lru_cache(maxsize=64)
def _load_schema_file(path: str, mtime: float) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def load_schema_file(path: str) -> Any:
    """A schema from a .json / .yaml file (relative paths: to the working directory)."""
    p = Path(path)
    try:
        return _load_schema_file(str(p), p.stat().st_mtime)
    except FileNotFoundError:
        raise ValueError(
            f"schema file {path!r} not found (relative paths are read from the working "
            f"directory {Path.cwd()})"
        ) from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"schema file {path!r} cannot be read: {exc}") from None


def schema_from_args(args: Mapping[str, Any], what: str) -> Any:
    """`{schema: {...}}` or `{file: path}` -> the schema (validated as a schema)."""
    if ("schema" in args) == ("file" in args):
        raise ValueError(f"{what}: give exactly one of 'schema' (inline) or 'file' (a path)")
    if "schema" in args:
        schema = args["schema"]
    else:
        if not isinstance(args["file"], str) or not args["file"]:
            raise ValueError(f"{what}: 'file' must be a path string")
        schema = load_schema_file(args["file"])
    check_schema_arg(schema, what)
    return schema


def schema_errors(
    validator: Any, instance: Any, limit: int = MAX_SCHEMA_ERRORS
) -> tuple[list[str], int]:
    """(the first `limit` validation errors as '$.json.path: message', total error count)."""
    errors = sorted(
        validator.iter_errors(instance),
        key=lambda e: (tuple(str(p) for p in e.absolute_path), e.message),
    )
    out = []
    for top in errors[:limit]:
        err = best_match([top])  # inside anyOf / oneOf: the branch that nearly matched
        message = err.message if len(err.message) <= 300 else err.message[:299] + "…"
        out.append(f"{err.json_path}: {message}")
    return out, len(errors)


def require_schema(schema: Any, data: Any, *, bad_schema: str, mismatch: str, key: str) -> None:
    """Fail unless `data` validates against `schema`.

    `bad_schema` / `mismatch` start the failure titles when the schema itself is invalid / when
    the data does not match it; `key` names `data` in `received`.
    """
    try:
        validator = cached_validator(schema)
    except SchemaError as exc:
        raise CheckFailure(
            f"{bad_schema}: {exc.message}",
            expected="a valid JSON Schema",
            received=schema,
        ) from None
    errors, total = schema_errors(validator, data)
    if errors:
        more = f" (+{total - 1} more)" if total > 1 else ""
        raise CheckFailure(
            f"{mismatch}: {errors[0]}{more}",
            expected=schema,
            received={key: data, "errors": errors},
        )
