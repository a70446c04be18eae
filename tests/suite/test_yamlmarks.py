"""YAML with line marks: plain objects, node spans, duplicates, JSON-shaped scalars."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from harness.suite import yamlmarks
from harness.suite.yamlmarks import Duplicate, YamlError, load, parse

TEXT = textwrap.dedent(
    """\
    suite: s            # line 1
    cases:
      - id: a
        request:
          messages:
            - {role: user, content: hi}
          stop: [a,
                 b]
        # a comment after the case

      - id: b
        description: |
          two
          lines

    """
)


@pytest.fixture(params=["fast", "pure"])
def loader(request, monkeypatch):
    if request.param == "pure":
        monkeypatch.setattr(yamlmarks, "FastLoader", yaml.SafeLoader)
    return request.param


def test_marks(loader):
    doc = parse(TEXT)
    assert doc.data["cases"][1]["description"] == "two\nlines\n"
    m = doc.marks
    assert m[()] == (1, 14)
    assert m[("suite",)] == (1, 1)
    assert m[("cases",)] == (2, 14)
    assert m[("cases", 0)] == (3, 8)  # trailing comment and blank line are not part of it
    assert m[("cases", 0, "request")] == (4, 8)  # from the key's line
    assert m[("cases", 0, "request", "messages", 0)] == (6, 6)
    assert m[("cases", 0, "request", "messages", 0, "content")] == (6, 6)
    assert m[("cases", 0, "request", "stop")] == (7, 8)
    assert m[("cases", 0, "request", "stop", 1)] == (8, 8)
    assert m[("cases", 1)] == (11, 14)
    assert m[("cases", 1, "description")] == (12, 14)
    assert doc.span(("cases", 0, "request", "nope", 3)) == (4, 8)  # nearest ancestor


def test_scalars_stay_json_shaped(loader):
    data, _ = load("date: 2024-01-01\n1: one\non: yes\nnull: ~\nf: 1.5\ns: '2'\n")
    assert data == {"date": "2024-01-01", "1": "one", "on": True, "null": None, "f": 1.5, "s": "2"}


def test_merge_keys_and_aliases(loader):
    data, marks = load("base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nuse:\n  <<: [*b, *m]\n  y: 20\n")
    assert data["use"] == {"x": 1, "y": 20, "z": 3}
    assert marks[("use", "x")] == (1, 1)  # merged keys point at their anchor
    assert marks[("use", "y")] == (5, 5)


def test_duplicate_keys_are_recorded_and_refused(loader):
    doc = parse("a:\n  x: 1\n  y: 2\n  x: 3\n")
    assert doc.data == {"a": {"x": 1, "y": 2}}  # the first value is kept
    assert doc.duplicates == [Duplicate(path=("a",), key="x", line=4, first_line=2)]
    with pytest.raises(YamlError) as info:
        load("a:\n  x: 1\n  y: 2\n  x: 3\n")
    assert (info.value.message, info.value.line) == (
        "duplicate key 'x' (first written at line 2)",
        4,
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "a: [1\n",
            (
                "invalid YAML: expected ',' or ']', but got '<stream end>' "
                "(while parsing a flow sequence at line 1)"
            ),
            2,
        ),
        ("a: 1\n b: 2\n", "invalid YAML: mapping values are not allowed here", 2),
        (
            "a: 1\n---\nb: 2\n",
            ("one YAML document per file: remove the second document (the '---' line)"),
            2,
        ),
        ("a: &x [*x]\n", "recursive alias (a node containing itself)", 1),
        ("? [a]\n: 1\n", "mapping keys must be plain strings, not lists or mappings", 1),
        ("a: !env X\n", "unsupported YAML tag '!env'", 1),
        ("a: !foo {b: 1}\n", "unsupported YAML tag '!foo'", 1),
        ("<<: 5\n", "a merge key '<<' needs a mapping or a list of mappings", 1),
    ],
)
def test_errors(loader, text, message, line):
    with pytest.raises(YamlError) as info:
        parse(text)
    assert (info.value.message, info.value.line) == (message, line)


def test_empty_document():
    assert parse("").data is None
    assert parse("# nothing\n\n").data is None


def test_loaders_that_disagree_still_give_a_yaml_error() -> None:
    """libyaml refuses `[stream:, status: 200]`, the pure-Python loader accepts it: libyaml's
    verdict stands, as a YamlError with its line, never a raw scanner traceback."""
    from harness.suite.yamlmarks import YamlError, parse

    with pytest.raises(YamlError) as err:
        parse("cases:\n  - id: a\n    expect: [stream:, status: 200]\n")
    assert "line 3" in str(err.value) or getattr(err.value, "line", None) == 3
