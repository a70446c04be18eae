"""loads_bounded: JSON of any shape parses as json does, or raises a ValueError; depth is
bounded (TooDeepError), never a RecursionError. (Seeded random inputs: hypothesis is not among
the pinned dependencies.)"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from harness.core.errors import TooDeepError
from harness.core.jsonsafe import MAX_DEPTH, json_depth, loads_bounded


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('"[[[["', 0),
    ('["\\\\", "[["]', 1), ('["\\"[["]', 1), ("[[[[", 4), ("]]][", 0),
])
def test_depth_skips_strings_and_escapes(text: str, depth: int) -> None:
    assert json_depth(text) == depth == json_depth(text.encode())


@pytest.mark.parametrize("shape", ["[{}]", '{"a":{}}'])
def test_2000_levels_is_too_deep_not_a_recursion_error(shape: str) -> None:
    opener, closer = shape[: len(shape) // 2], shape[len(shape) // 2:]
    text = opener * 2000 + closer * 2000
    with pytest.raises(TooDeepError, match="over the limit of 256"):
        loads_bounded(text)
    with pytest.raises(ValueError):  # what every parser of answers already catches
        loads_bounded(text.encode())


def test_the_bound_is_exact() -> None:
    assert loads_bounded("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(TooDeepError):
        loads_bounded("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(TooDeepError):  # unclosed: json would still recurse into it
        loads_bounded("[" * 5000)


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(6 if depth < 8 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randrange(-10**6, 10**6)
    if kind == 3:
        return "".join(rng.choice('ab[]{}"\\\n é') for _ in range(rng.randrange(8)))
    if kind == 4:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_value(rng, 8) or "k": _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_any_json_value_parses_as_json_does() -> None:
    rng = random.Random(12)
    for _ in range(2000):
        text = json.dumps(_value(rng), ensure_ascii=rng.random() < 0.5)
        assert loads_bounded(text) == json.loads(text)
        assert json_depth(text) <= text.count("[") + text.count("{")


def test_arbitrary_bytes_only_raise_value_errors() -> None:
    rng = random.Random(3)
    alphabet = b'[]{}",:\\ 01aetrufnl\xff\xc3'
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(300)))
        try:
            loads_bounded(data)
        except ValueError:
            pass
