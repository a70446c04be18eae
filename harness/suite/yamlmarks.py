"""YAML -> plain Python objects plus the source lines of every node.

    doc = parse(text)
    doc.data                       # dicts, lists, str, int, float, bool, None
    doc.marks[("cases", 0, "id")]  # (start_line, end_line), 1-based, inclusive
    doc.duplicates                 # keys written twice in one mapping (YAML would overwrite)

A mapping entry's span starts at its key's line and ends at its value's last line; a sequence
item's span is the item's. The root is at path (). Paths are tuples of keys and indices, the
same shape as jsonschema's `absolute_path`, so schema errors map straight to lines.

Choices that keep suites JSON-shaped:
- mapping keys are strings: a scalar key keeps its source text (`1: x` -> "1", `on: x` -> "on");
  a non-scalar key is an error;
- timestamps stay strings (`date: 2024-01-01` -> "2024-01-01"), not datetime objects;
- merge keys (`<<: *anchor`) and aliases are resolved, explicit keys win over merged ones;
- tags other than the standard ones are an error.

Bounded (`suite/limits.py`): nesting deeper than MAX_DEPTH is refused by a pass over the
parser's events before anything is composed (libyaml's composer recurses in C: 100,000 levels
would crash the process), and again in the builder (aliases can nest what they refer to);
aliases and merge keys build at most MAX_ALIAS_NODES nodes again ("billion laughs": a 1 KB file
that expands to 10^9 nodes is refused after 200,000).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from harness.suite.limits import MAX_ALIAS_NODES, MAX_DEPTH

# libyaml when available: it gives node marks too (through compose), and is ~10x faster.
FastLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

JsonPath = tuple[Any, ...]  # keys (str) and indices (int)

_STD = "tag:yaml.org,2002:"
_MAP_TAGS = {_STD + "map"}
_SEQ_TAGS = {_STD + "seq"}


class YamlError(Exception):
    """The text is not a YAML document we can use. `line` is 1-based (None if unknown)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one mapping: `path` is the mapping's path."""

    path: JsonPath
    key: str
    line: int
    first_line: int


@dataclass
class Document:
    data: Any
    marks: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def span(self, path: JsonPath) -> tuple[int, int] | None:
        """The lines of `path`, or of its nearest ancestor that has marks."""
        path = tuple(path)
        while True:
            if path in self.marks:
                return self.marks[path]
            if not path:
                return None
            path = path[:-1]


def parse(text: str) -> Document:
    """Parse one YAML document into plain objects and line marks.

    Raises YamlError for syntax errors, several documents, unsupported tags and non-scalar keys.
    An empty document gives `data=None`.
    """
    lines = text.splitlines()
    try:
        check_depth(text, FastLoader)
        node = _compose(text, FastLoader)
    except yaml.YAMLError as fast_exc:
        # Re-parse with the pure-Python loader: same verdict, but its messages are the same on
        # every machine (libyaml words some problems differently).
        try:
            _compose(text, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise _yaml_error(exc) from None
        except RecursionError:
            pass  # deeper than libyaml got before its error: libyaml's verdict
        # The two loaders disagree (libyaml is stricter on some flow mappings): libyaml's
        # verdict stands, reported the same way.
        raise _yaml_error(fast_exc) from None
    doc = Document(data=None, lines=lines)
    if node is None:
        return doc
    if "&" in text and "*" in text:  # no anchor or no alias: nothing can repeat
        check_aliases(node)
    builder = _Builder(doc)
    doc.data = builder.build(node, ())
    return doc


def load(text: str) -> tuple[Any, dict[JsonPath, tuple[int, int]]]:
    """Like `parse`, but duplicate keys are an error; returns (data, marks)."""
    doc = parse(text)
    if doc.duplicates:
        dup = doc.duplicates[0]
        raise YamlError(
            f"duplicate key {dup.key!r} (first written at line {dup.first_line})", dup.line
        )
    return doc.data, doc.marks


def check_depth(text: str, loader_cls: type = FastLoader) -> None:
    """Raise YamlError where collections nest deeper than MAX_DEPTH (a pass over the parser's
    events: no nodes, no recursion). Syntax errors are left to the composer that follows."""
    loader = loader_cls(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind in _OPEN:
                depth += 1
                if depth > MAX_DEPTH:
                    raise depth_error(event.start_mark.line + 1)
            elif kind in _CLOSE:
                depth -= 1
            elif kind is yaml.StreamEndEvent:
                return
    finally:
        loader.dispose()


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_aliases(root: yaml.Node) -> None:
    """Raise YamlError when aliases would build more than MAX_ALIAS_NODES nodes again, naming
    the anchor that repeats the most; counted over the composed graph (each distinct node
    once, no recursion), before anything is built."""
    size: dict[int, int] = {}
    uses: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    busy: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        kids = _children(node)
        if not children_done:
            if key in size or key in busy:
                continue  # seen, or a node inside itself (the builder names that error)
            busy.add(key)
            nodes[key] = node
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids)
            continue
        busy.discard(key)
        for kid in kids:
            uses[id(kid)] = uses.get(id(kid), 0) + 1
        total = 1 + sum(size.get(id(kid), 1) for kid in kids)
        size[key] = min(total, 2 * MAX_ALIAS_NODES + 1)
    again = sum(size[key] * (n - 1) for key, n in uses.items() if n > 1 and key in size)
    if again > MAX_ALIAS_NODES:
        worst = max((k for k, n in uses.items() if n > 1 and k in size),
                    key=lambda k: size[k] * (uses[k] - 1))
        line = nodes[worst].start_mark.line + 1
        raise YamlError(
            f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (the anchor at line {line} "
            f"holds {size[worst]:,}{'+' if size[worst] > 2 * MAX_ALIAS_NODES else ''} nodes "
            f"and is repeated {uses[worst] - 1:,} times by aliases); a suite may expand at "
            f"most {MAX_ALIAS_NODES:,} nodes through aliases and merge keys",
            line,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def depth_error(line: int) -> YamlError:
    return YamlError(
        f"nested deeper than {MAX_DEPTH} levels (mappings and lists inside each other); "
        f"a suite may nest at most {MAX_DEPTH} levels",
        line,
    )


def _compose(text: str, loader_cls: type) -> yaml.Node | None:
    loader = loader_cls(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def _yaml_error(exc: yaml.YAMLError) -> YamlError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context and "single document" in exc.context and mark is not None:
            return YamlError(
                "one YAML document per file: remove the second document (the '---' line)",
                mark.line + 1,
                mark.column + 1,
            )
        if exc.context and exc.context_mark and mark is exc.problem_mark:
            problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
        if "'\\t'" in problem:
            problem += "; indent with spaces, not tabs"
        if mark is not None:
            return YamlError(f"invalid YAML: {problem}", mark.line + 1, mark.column + 1)
        return YamlError(f"invalid YAML: {problem}")
    return YamlError(f"invalid YAML: {exc}")


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.constructor = yaml.constructor.SafeConstructor()
        self.stack: set[int] = set()
        self.built: set[int] = set()  # ids of the nodes built once: building one again is an alias
        self.again = 0  # nodes built again (through aliases and merge keys), at most MAX_ALIAS_NODES
        self.alias_line: int | None = None  # where the outermost alias being expanded is used

    def end_line(self, node: yaml.Node) -> int:
        start = node.start_mark.line + 1
        # A block collection's end mark is where the next token starts: use its last child
        # (a loop, not recursion: aliases can chain collections deeper than the text nests).
        steps = 0
        while (
            isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
            and not node.flow_style
            and node.value
        ):
            last = node.value[-1]
            node = last[1] if isinstance(last, tuple) else last
            start = max(start, node.start_mark.line + 1)
            steps += 1
            if steps > MAX_DEPTH:
                raise depth_error(start)
        end_mark = node.end_mark
        end = (
            end_mark.line
            if end_mark.column == 0 and end_mark.line > node.start_mark.line
            else end_mark.line + 1
        )
        lines = self.doc.lines
        # Block scalars end after their trailing newlines: drop blank and comment lines.
        node_start = node.start_mark.line + 1
        while end > node_start and (end > len(lines) or _blank_or_comment(lines[end - 1])):
            end -= 1
        return max(start, end)

    def build(self, node: yaml.Node, path: JsonPath, key_line: int | None = None) -> Any:
        start = key_line if key_line is not None else node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            raise depth_error(start)
        self.doc.marks[path] = (start, max(start, self.end_line(node)))
        if id(node) in self.stack:
            raise YamlError("recursive alias (a node containing itself)", node.start_mark.line + 1)
        first = id(node) not in self.built
        self.built.add(id(node))
        if first and self.alias_line is None:
            return self.build_node(node, path)
        outer = self.alias_line is None
        if outer:
            self.alias_line = start  # the outermost alias: what an error points at
        try:
            self.count_again(start)
            return self.build_node(node, path)
        finally:
            if outer:
                self.alias_line = None

    def count_again(self, line: int) -> None:
        self.again += 1
        if self.again > MAX_ALIAS_NODES:
            raise YamlError(
                f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias used at "
                f"line {self.alias_line or line} repeats what its anchor holds, and that "
                "repeats more aliases); a suite may expand at most "
                f"{MAX_ALIAS_NODES:,} nodes through aliases and merge keys",
                self.alias_line or line,
            )

    def build_node(self, node: yaml.Node, path: JsonPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.stack.add(id(node))
            try:
                return self.mapping(node, path)
            finally:
                self.stack.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in _SEQ_TAGS:
                raise _tag_error(node)
            self.stack.add(id(node))
            try:
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            finally:
                self.stack.discard(id(node))
        return self.scalar(node)  # type: ignore[arg-type]

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STD + "timestamp":
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            raise _tag_error(node) from None

    def mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        if node.tag not in _MAP_TAGS:
            raise _tag_error(node)
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        explicit: list[tuple[str, yaml.Node, yaml.Node]] = []
        merged: list[tuple[str, yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":
                merged.extend(self.merge_sources(value_node))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(
                    "mapping keys must be plain strings, not lists or mappings",
                    key_node.start_mark.line + 1,
                )
            explicit.append((str(key_node.value), key_node, value_node))
        explicit_keys = {k for k, _, _ in explicit}
        for key, key_node, value_node in merged:
            if key in explicit_keys or key in result:
                continue  # explicit keys override merged ones; the first merge source wins
            result[key] = self.build(value_node, path + (key,), key_node.start_mark.line + 1)
        for key, key_node, value_node in explicit:
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.doc.duplicates.append(Duplicate(path, key, line, first_line[key]))
                continue
            first_line[key] = line
            result[key] = self.build(value_node, path + (key,), line)
        return result

    def merge_sources(
        self, value: yaml.Node, level: int = 1
    ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """The (key, key node, value node) a merge key brings in, its sources' own merges
        after their keys; each counts as a node built again (merges can chain)."""
        if level > MAX_DEPTH:
            raise depth_error(value.start_mark.line + 1)
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise YamlError(
                    "a merge key '<<' needs a mapping or a list of mappings",
                    source.start_mark.line + 1,
                )
            nested = []
            for key_node, value_node in source.value:
                if key_node.tag == _STD + "merge":
                    nested.append(value_node)
                elif isinstance(key_node, yaml.ScalarNode):
                    self.count_again(key_node.start_mark.line + 1)
                    yield str(key_node.value), key_node, value_node
            for value_node in nested:  # the source's own keys win over what it merges
                yield from self.merge_sources(value_node, level + 1)


def _tag_error(node: yaml.Node) -> YamlError:
    return YamlError(f"unsupported YAML tag {node.tag!r}", node.start_mark.line + 1)


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")
