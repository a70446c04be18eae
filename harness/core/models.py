"""The data that flows through the pipeline: providers, targets, cases, jobs, exchanges, results.

    suite YAML -> Case -> (expand) -> Job -> (engine) -> Exchange -> (checks) -> Result

Plain dataclasses, no I/O. Secret values never live here: a Provider knows the *name* of the
environment variable holding its key, never the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import TooDeepError
from harness.core.jsonsafe import loads_bounded


@dataclass(frozen=True)
class Price:
    """USD prices per 1M tokens, and per-call fees (e.g. {"web_search": 0.013}).

    None means unknown: a cost computed from an unknown price is unknown, never zero.
    """

    input_per_m: float | None = None
    output_per_m: float | None = None
    cached_input_per_m: float | None = None
    per_call: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelInfo:
    """One model a provider serves, with its price and limits."""

    id: str
    price: Price = field(default_factory=Price)
    context_window: int | None = None
    max_output: int | None = None
    # parameter name -> (min, max), e.g. {"temperature": (0.0, 1.5)}
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    input_modalities: tuple[str, ...] = ("text",)
    aliases: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Provider:
    """A base URL, a key variable, a dialect, the endpoints it serves, and its models."""

    name: str
    base_url: str
    dialect: str
    api_key_env: str | None = None
    # endpoint name -> path appended to base_url
    endpoints: dict[str, str] = field(default_factory=lambda: {"chat": "/chat/completions"})
    models: dict[str, ModelInfo] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # extra header / query names whose values must never be written anywhere
    secret_headers: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Target:
    """`provider/model`: the thing a case runs against."""

    provider: Provider
    model: ModelInfo

    @property
    def name(self) -> str:
        return f"{self.provider.name}/{self.model.id}"

    @property
    def dialect(self) -> str:
        return self.provider.dialect


@dataclass(frozen=True)
class SourceLoc:
    """Where something was written: file and 1-based line range."""

    path: str
    line: int
    end_line: int | None = None

    def __str__(self) -> str:
        if self.end_line and self.end_line != self.line:
            return f"{self.path}: line {self.line}-{self.end_line}"
        return f"{self.path}: line {self.line}"


@dataclass(frozen=True)
class CheckSpec:
    """One entry of a case's `expect:` list: a check name and its arguments."""

    name: str
    args: Any = None
    loc: SourceLoc | None = None


@dataclass
class Case:
    """One case of a suite, defaults already merged in."""

    suite: str
    id: str
    request: dict[str, Any]
    expect: list[CheckSpec] = field(default_factory=list)
    matrix: dict[str, list[Any]] = field(default_factory=dict)
    repeat: int = 1
    raw: bool = False
    tags: tuple[str, ...] = ()
    # glob patterns on target names / dialect names; empty = every target
    targets: tuple[str, ...] = ()
    dialects: tuple[str, ...] = ()
    description: str = ""
    loc: SourceLoc | None = None
    timeout_s: float | None = None
    # multi-turn tool loop: {"results": {tool name: scripted result}, "max_turns": int}
    tool_loop: dict[str, Any] | None = None
    # checks run on every turn of the case (failures tagged with the turn number)
    expect_each_turn: list[CheckSpec] = field(default_factory=list)
    # data-driven: (record key, {variable: value}) per record of `data:`; each is a variant
    data: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # matrix keys that are `{{name}}` variables, not request paths
    matrix_vars: tuple[str, ...] = ()

    @property
    def templated(self) -> bool:
        """Whether `{{name}}` placeholders are filled per variant (data or matrix variables);
        otherwise the case's strings are sent as written."""
        return bool(self.data or self.matrix_vars)

    @property
    def endpoint(self) -> str:
        return str(self.request.get("endpoint", "chat"))


@dataclass
class Job:
    """One request to make: a case on a target, for one matrix variant and one repeat."""

    case: Case
    target: Target
    request: dict[str, Any]  # canonical (OpenAI spelling) with the variant applied
    variant: str = ""  # e.g. "temperature=0.2,tool_choice=auto"; "" when no matrix
    repeat: int = 0  # 0-based repeat index

    @property
    def id(self) -> str:
        parts = [self.case.suite, self.case.id, self.target.name]
        if self.variant:
            parts.append(self.variant)
        if self.case.repeat > 1:
            parts.append(f"r{self.repeat}")
        return "::".join(parts)


@dataclass
class Exchange:
    """What happened on the wire for one job (after retries: the last attempt)."""

    method: str
    url: str
    request_headers: dict[str, str]  # secrets already masked
    request_body: Any  # the JSON body actually sent (dialect-translated), or raw text
    status_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    t_start: float = 0.0  # monotonic seconds
    t_first_byte: float | None = None
    t_end: float | None = None
    attempts: int = 0
    error_class: str | None = None  # transport / protocol / HTTP error class, None on success
    error_message: str | None = None  # never contains secret values
    recorded_latency_ms: float | None = None
    # the last attempt failed in a way worth retrying and no attempt was left (or the server's
    # Retry-After was over --max-retry-wait): the row says the retries were exhausted
    retries_exhausted: bool = False
    retry_note: str | None = None  # why: "gave up after 4 attempt(s)", "Retry-After ... over"
    # -- streams (SSE): filled only when a stream was requested and the answer was 2xx ---------
    # every body chunk as received: (seconds since t_start, bytes); replayable as is
    chunks: list[tuple[float, bytes]] = field(default_factory=list, repr=False)
    t_first_token: float | None = None  # perf_counter time of the first content event
    # arrival of each content event (text or tool-call fragment), seconds since t_start
    content_times: list[float] = field(default_factory=list, repr=False)
    # harness.wire.streams.StreamResult (assembled body + StreamStats); typed Any: core does
    # not import wire
    stream: Any = field(default=None, repr=False)
    _json_cache: Any = field(default=None, repr=False)
    _json_parsed: bool = field(default=False, repr=False)
    # why `json` is None although the body is not empty: "too_deep", or None (not JSON)
    json_problem: str | None = field(default=None, repr=False)

    @property
    def json(self) -> Any:
        """The response body parsed as JSON (depth-bounded: core/jsonsafe.py), or None if it
        is not JSON or nests too deep (then `json_problem` is "too_deep")."""
        if not self._json_parsed:
            self._json_parsed = True
            try:
                self._json_cache = loads_bounded(self.body) if self.body else None
            except TooDeepError:
                self._json_cache, self.json_problem = None, "too_deep"
            except (ValueError, UnicodeDecodeError):
                self._json_cache = None
        return self._json_cache

    @property
    def latency_ms(self) -> float | None:
        if self.t_end is None:
            return None
        return (self.t_end - self.t_start) * 1000.0

    @property
    def ttfb_ms(self) -> float | None:
        if self.t_first_byte is None:
            return None
        return (self.t_first_byte - self.t_start) * 1000.0

    @property
    def ttft_ms(self) -> float | None:
        """Time to first token (first content event of a stream); None without one."""
        if self.t_first_token is None:
            return None
        return (self.t_first_token - self.t_start) * 1000.0

    @property
    def itl_ms(self) -> float | None:
        """Mean inter-token latency: mean gap between consecutive content events (ms)."""
        times = self.content_times
        if len(times) < 2:
            return None
        return (times[-1] - times[0]) / (len(times) - 1) * 1000.0

    def tokens_per_s(self, completion_tokens: int | None) -> float | None:
        """Output tokens per second of a stream: completion tokens / (last byte - first token).
        None when unknown (no usage, no token, or everything arrived at once)."""
        if not completion_tokens or self.t_first_token is None or self.t_end is None:
            return None
        span = self.t_end - self.t_first_token
        if span <= 0:
            return None
        return completion_tokens / span

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Usage:
    """Token usage normalised across dialects. None = the provider did not report it."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_prompt_tokens: int | None = None
    reasoning_tokens: int | None = None
    raw: dict[str, Any] | None = None


@dataclass
class ToolCall:
    """A tool call normalised across dialects; `arguments` is the raw JSON text as sent."""

    name: str
    arguments: str
    id: str | None = None


@dataclass
class Normalized:
    """The parts of a success response that checks and reports read, whatever the dialect."""

    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None
    response_id: str | None = None


@dataclass
class FailureInfo:
    """A failed check as data: name, title, expected vs received."""

    check: str
    title: str
    expected: Any = None
    received: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "expected": self.expected,
            "received": self.received,
        }
