"""`status`: the HTTP status code.

- status: 200
- status: [200, 201]
- status: 4xx            # a class: 1xx .. 5xx
- status: [429, 5xx]
- status:               # null: any 2xx
"""

from __future__ import annotations

import re
from typing import Any

from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange

_CLASS = re.compile(r"^[1-5]xx$", re.IGNORECASE)


def _items(args: Any) -> list[int | str]:
    items = args if isinstance(args, list) else [args]
    if not items:
        raise ValueError("status: give a code (200), a class ('4xx') or a list of them")
    out: list[int | str] = []
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"status: {item!r} is not a status code")  # noqa: TRY004
        if isinstance(item, int):
            if not 100 <= item <= 599:
                raise ValueError(f"status: {item} is not an HTTP status code (100-599)")
            out.append(item)
        elif isinstance(item, str) and item.strip().isdigit():
            out.extend(_items(int(item.strip())))
        elif isinstance(item, str) and _CLASS.match(item.strip()):
            out.append(item.strip().lower())
        else:
            raise ValueError(
                f"status: {item!r} is not a status code (e.g. 200) or a class (e.g. '2xx')"
            )
    return out


def _matches(code: int, item: int | str) -> bool:
    if isinstance(item, int):
        return code == item
    return str(code)[0] == item[0]


def _describe(items: list[int | str]) -> str:
    if len(items) == 1:
        return str(items[0])
    return "one of " + ", ".join(str(i) for i in items)


@register_check("status")
def status(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    items = _items("2xx" if args is None else args)
    expected = _describe(items)
    code = exchange.status_code
    if code is None:
        reason = exchange.error_class or "no response"
        raise CheckFailure(
            f"no HTTP status ({reason}), expected {expected}",
            expected=expected,
            received=exchange.error_message or reason,
        )
    if not any(_matches(code, item) for item in items):
        raise CheckFailure(
            f"status code {code}, expected {expected}", expected=expected, received=code
        )


def _validate(args: Any) -> None:
    if args is not None:
        _items(args)


status.validate_args = _validate  # type: ignore[attr-defined]
