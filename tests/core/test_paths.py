"""safe_component, contained, name_problem: every trick a name can play on a path."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from harness.core.errors import ProviderConfigError
from harness.core.paths import (
    MAX_COMPONENT,
    PathEscapeError,
    check_name,
    contained,
    name_problem,
    safe_component,
)

ORDINARY = ["mistral-medium-3.5", "temperature=0.7", "chat_stream_usage_openai", "json",
            "mistral-medium-3-1__x", "A-Z_09", "v1.2.3", "Meta-Llama-3.1-8B-Instruct"]
TRICKS = [".", "..", "...", "../../x", "a/b", "a\\b", "/etc/passwd", "", "\x00", "a\x00b",
          "a\nb", "\x1b[31m", ".hidden", "a.", "con", "NUL.txt", "Lpt1", "météo", "日本語",
          "x" * 300, "a b", "a:b", "a*b?", "~", "a~b", "\ud800"]


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_are_kept_byte_for_byte(name: str) -> None:
    assert safe_component(name) == name


@pytest.mark.parametrize("name", TRICKS)
def test_every_trick_becomes_one_plain_component(name: str) -> None:
    out = safe_component(name)
    assert out not in ("", ".", "..")
    assert not out.startswith(".")
    assert "/" not in out and "\\" not in out and "\0" not in out
    assert out.isascii() and out.isprintable()
    assert len(out) <= MAX_COMPONENT
    assert "~" in out  # rewritten names always carry the hash
    assert safe_component(name) == out  # stable


def test_rewritten_names_keep_a_readable_stem_and_a_hash() -> None:
    assert safe_component("a b").startswith("a_b~")
    assert safe_component("..").startswith("_.~")
    assert len(safe_component("a b").split("~")[1]) == 12


def test_distinct_names_give_distinct_components() -> None:
    names = TRICKS + ORDINARY + ["a_b", "a b", "a\tb", "Case", "case", "CASE",
                                 "x" * 300 + "1", "x" * 300 + "2", "x" * 99, "x" * 100,
                                 "x" * 101, safe_component("a b")]
    outs = [safe_component(n) for n in names]
    assert len(set(outs)) == len(set(names))


def test_names_differing_only_beyond_the_length_bound_stay_distinct() -> None:
    a, b = "case" * 80 + "a", "case" * 80 + "b"
    assert safe_component(a) != safe_component(b)
    assert safe_component(a)[:80] == safe_component(b)[:80]


def test_random_text_never_escapes_and_never_collides() -> None:
    rng = random.Random(12)
    alphabet = "ab./\\\0\n ~é日_-=." + "".join(chr(c) for c in range(0x7F, 0xA0))
    seen: dict[str, str] = {}
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 130)))
        out = safe_component(name)
        assert seen.setdefault(out, name) == name
        contained(Path("/root"), out)  # never raises


def test_forbidden_substrings_force_the_hashed_form() -> None:
    assert safe_component("m__x=1") == "m__x=1"
    assert safe_component("m__x=1", forbid=("__",)).startswith("m__x=1~")


def test_max_len_is_honoured_and_checked() -> None:
    assert len(safe_component("y" * 50, max_len=20)) == 20
    with pytest.raises(ValueError, match="max_len"):
        safe_component("y", max_len=5)


def test_contained_joins_plain_components(tmp_path: Path) -> None:
    assert contained(tmp_path, "a", "b.yaml") == tmp_path / "a" / "b.yaml"
    assert contained(Path("rel"), "x") == Path("rel/x")


@pytest.mark.parametrize("parts", [("..",), (".",), ("",), ("a", ".."), ("a/b",), ("a\\b",),
                                   ("/etc",), ("a\0",)])
def test_contained_refuses_a_part_that_could_leave_the_root(
    tmp_path: Path, parts: tuple[str, ...]
) -> None:
    with pytest.raises(PathEscapeError, match="unsafe path component|not inside"):
        contained(tmp_path, *parts)


def test_contained_needs_at_least_one_part(tmp_path: Path) -> None:
    with pytest.raises(PathEscapeError, match="not inside"):
        contained(tmp_path)


@pytest.mark.parametrize(("name", "problem"), [
    ("", "is empty"),
    (".", "'.' and '..' mean folders"),
    ("..", "'.' and '..' mean folders"),
    ("a/b", "path separator"),
    ("a\\b", "path separator"),
    ("a\x00b", "control character (U+0000)"),
    ("a\nb", "control character (U+000A)"),
    ("a\x85", "control character (U+0085)"),
])
def test_name_problem_names_the_problem(name: str, problem: str) -> None:
    found = name_problem(name)
    assert found is not None and problem in found


@pytest.mark.parametrize("name", ["ok", "...", ".hidden", "météo", "a b", "x" * 300])
def test_names_that_are_only_unusual_pass(name: str) -> None:
    assert name_problem(name) is None


def test_check_name_raises_the_callers_error() -> None:
    with pytest.raises(ProviderConfigError, match=r"^p.yaml: provider name '\.\.' is not usable"):
        check_name("..", "p.yaml: provider name", ProviderConfigError)
    check_name("fine", "x", ProviderConfigError)
