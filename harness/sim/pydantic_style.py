"""Pydantic-v2-style validation primitives: coerce values, collect error details.

Each detail is ``{"type", "loc", "msg", "input"[, "ctx"]}`` with ``loc`` starting at "body",
as FastAPI reports request-body errors; messages are pydantic's own wording.
"""

from __future__ import annotations

from typing import Any

from harness.sim import envelopes as env

Loc = tuple[Any, ...]
Detail = dict[str, Any]


def detail(type_: str, loc: Loc, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> Detail:
    """One error item; ``loc`` is given without the leading "body"."""
    item: Detail = {"type": type_, "loc": ["body", *loc], "msg": msg, "input": value}
    if ctx:
        item["ctx"] = ctx
    return item


def bound(x: float) -> float | int:
    """A bound as pydantic shows it in ``ctx``: 1.5 stays 1.5, 0.0 becomes 0."""
    return int(x) if float(x).is_integer() else x


def literal_list(values: tuple[str, ...]) -> str:
    """ "'a', 'b' or 'c'", pydantic's wording of allowed literals."""
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


class Checker:
    """Collects pydantic-style error details while coercing values (lax mode)."""

    def __init__(self) -> None:
        self.details: list[Detail] = []

    def fail(self, *args: Any, **kw: Any) -> None:
        self.details.append(detail(*args, **kw))

    def number(self, v: Any, loc: Loc, integer: bool) -> Any:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, str):
            try:
                v = float(v.strip()) if not integer else int(v.strip())
            except ValueError:
                kind = "int" if integer else "float"
                what = "an integer" if integer else "a number"
                self.fail(
                    f"{kind}_parsing",
                    loc,
                    f"Input should be a valid {'integer' if integer else 'number'}, "
                    f"unable to parse string as {what}",
                    v,
                )
                return None
        if isinstance(v, (int, float)):
            if integer and isinstance(v, float):
                if not v.is_integer():
                    self.fail(
                        "int_from_float",
                        loc,
                        "Input should be a valid integer, got a number with a fractional part",
                        v,
                    )
                    return None
                return int(v)
            return v
        self.fail(
            "int_type" if integer else "float_type",
            loc,
            f"Input should be a valid {'integer' if integer else 'number'}",
            v,
        )
        return None

    def in_range(self, v: Any, original: Any, loc: Loc, rng: tuple[Any, Any]) -> None:
        lo, hi = rng
        if v is None:
            return
        if lo is not None and v < lo:
            self.fail(
                "greater_than_equal",
                loc,
                f"Input should be greater than or equal to {env.fmt_num(lo)}",
                original,
                {"ge": bound(lo)},
            )
        elif hi is not None and v > hi:
            self.fail(
                "less_than_equal",
                loc,
                f"Input should be less than or equal to {env.fmt_num(hi)}",
                original,
                {"le": bound(hi)},
            )

    def boolean(self, v: Any, loc: Loc) -> Any:
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        truthy = {"true", "1", "yes", "on", "t", "y"}
        if isinstance(v, str) and v.lower() in truthy | {"false", "0", "no", "off", "f", "n"}:
            return v.lower() in truthy
        if isinstance(v, (str, int, float)):
            self.fail(
                "bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", v
            )
        else:
            self.fail("bool_type", loc, "Input should be a valid boolean", v)
        return None

    def string(self, v: Any, loc: Loc) -> Any:
        if isinstance(v, str):
            return v
        self.fail("string_type", loc, "Input should be a valid string", v)
        return None

    def literal(self, v: Any, loc: Loc, values: tuple[str, ...]) -> Any:
        if v in values:
            return v
        lit = literal_list(values)
        self.fail("literal_error", loc, f"Input should be {lit}", v, {"expected": lit})
        return None

    def obj(self, v: Any, loc: Loc, cls: str | None = None) -> bool:
        if isinstance(v, dict):
            return True
        if cls:
            self.fail(
                "model_type",
                loc,
                f"Input should be a valid dictionary or instance of {cls}",
                v,
                {"class_name": cls},
            )
        else:
            self.fail("dict_type", loc, "Input should be a valid dictionary", v)
        return False

    def fields(
        self, v: dict[str, Any], loc: Loc, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        for name in required:
            if name not in v:
                self.fail("missing", (*loc, name), "Field required", v)
        for name, value in v.items():
            if name not in allowed:
                self.fail("extra_forbidden", (*loc, name), "Extra inputs are not permitted", value)
