"""The audit: one recorded interaction -> Job + Exchange + the contract checks that apply ->
`checks.evaluate` -> the usual result row (mode "audit").

What is checked, per interaction (the recorded request is the request: its tools,
response_format / text.format / output_config and stream options are what the answer is
judged against):

    error status (4xx/5xx)     error_envelope of the provider's dialect (every shape it has been
                               seen to send; the shape goes to the row's error_variant and the
                               class to error_class)
    2xx, JSON                  body_schema (the packaged schema of the endpoint and dialect),
                               usage, finish_reason (present and a known value), tool_call (when
                               the answer calls tools: each call to a declared tool, arguments
                               valid against its schema), json_output (when a JSON format was
                               requested and the answer is text)
    2xx, event stream          stream (well-formed events, the terminator, one finish reason
                               per choice, usage in the final event where the provider sends
                               it), then usage / finish_reason / tool_call / json_output on the
                               assembled answer
    2xx stream with an error   error_envelope on the error event (OpenRouter reports errors
    inside                     inside a 200 stream)
    2xx /models                body_schema against the provider's spec (ModelList,
                               ListModelsResponse)
    anything else              status

With `openapi=True` every answer is also validated against its provider's official spec
(`body_schema: {openapi: ...}`, documented deviations patched), where one is available.

A host the provider catalogue knows (a gateway, a proxy) keeps the catalogue's provider name
and dialect. Cost: the recorded usage x a price: the provider catalogue (packaged, plus `--providers`
files) when it knows the host and model, else the first price table (`--prices`, LiteLLM
format) that knows the served or requested model; otherwise unknown (never 0). The answer's
service tier and web-search calls are taken into account (harness.providers.rates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from harness.audit.detect import Detected, detect
from harness.audit.reader import CassetteError, Recorded, find_cassettes, read_cassette
from harness.checks.envelope import stream_error_event
from harness.checks.evaluate import evaluate
from harness.checks.json_output import requested_format
from harness.core.columns import COLUMN_NAMES
from harness.core.models import (
    Case,
    CheckSpec,
    Exchange,
    Job,
    ModelInfo,
    Normalized,
    Provider,
    Target,
)
from harness.providers.catalogue import Catalogue
from harness.providers.rates import PriceBook, PricedModel
from harness.wire.normalize import normalize
from harness.wire.protocols import find_protocol
from harness.wire.streams import StreamResult, assemble, wants_stream

MODE = "audit"
# every normalised finish reason a provider documents (wire.normalize)
KNOWN_FINISH_REASONS = [
    "stop",
    "length",
    "tool_calls",
    "content_filter",
    "model_length",
    "error",
    "function_call",
    "pause_turn",
]
MODEL_LIST_COMPONENTS = {"mistral": "mistral#ModelList", "openai": "openai#ListModelsResponse"}


@dataclass
class Prices:
    """Where costs come from: the provider catalogue, then LiteLLM-format price tables."""

    catalogue: Catalogue | None = None
    books: list[PriceBook] = field(default_factory=list)

    def provider_for(self, base_url: str) -> Provider | None:
        """The catalogue's provider serving this host, if any."""
        if self.catalogue is None:
            return None
        host = urlsplit(base_url).hostname
        for provider in self.catalogue.providers.values():
            if urlsplit(provider.base_url).hostname == host:
                return provider
        return None

    def model(
        self,
        det: Detected,
        requested: str | None,
        served: str | None,
        service_tier: str | None,
        calls: Mapping[str, int],
    ) -> ModelInfo:
        names = [m for m in (requested, served) if m]
        model_id = requested or served or "unknown"
        if self.catalogue is not None:
            host = urlsplit(det.base_url).hostname
            for provider in self.catalogue.providers.values():
                if urlsplit(provider.base_url).hostname != host:
                    continue
                for name in names:
                    for info in provider.models.values():
                        if name == info.id or name in info.aliases:
                            return info
        for book in self.books:
            rates = book.rates(det.provider, [m for m in (served, requested) if m])
            if rates is not None:
                return PricedModel(
                    id=model_id, rates=rates, service_tier=service_tier, calls=dict(calls)
                )
        return ModelInfo(id=model_id)


@dataclass
class AuditOptions:
    prices: Prices = field(default_factory=Prices)
    openapi: bool = False  # also validate against the official specs
    run_id: str = "audit"
    # specs that can be loaded (the Anthropic one only from a user path); None = not probed
    specs_available: frozenset[str] | None = None


@dataclass
class AuditResult:
    rows: list[dict[str, Any]]
    files: list[Path]
    skipped: list[str]  # "<file>: why" for files of a folder that are not cassettes


# -- planning ----------------------------------------------------------------------------------


def _served_model(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        return str(body["model"])
    return None


def _service_tier(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    tier = body.get("service_tier")
    if not isinstance(tier, str):
        usage = body.get("usage")
        tier = usage.get("service_tier") if isinstance(usage, dict) else None
    return tier if isinstance(tier, str) else None


def _reported_calls(body: Any) -> dict[str, int]:
    """Per-call tool uses an answer reports outside `usage` (Responses web_search_call items)."""
    calls: dict[str, int] = {}
    output = body.get("output") if isinstance(body, dict) else None
    for item in output or []:
        if isinstance(item, dict) and item.get("type") == "web_search_call":
            calls["web_search"] = calls.get("web_search", 0) + 1
    return calls


def _is_protocol(det: Detected) -> bool:
    """Whether a registered wire protocol serves the detected endpoint (not /models, other)."""
    return find_protocol(det.endpoint, det.dialect) is not None


def _usage_expected_in_stream(det: Detected, request: Mapping[str, Any]) -> bool:
    """Whether this provider puts usage in the final event of this stream (the protocol's
    rule: Mistral chat, Responses and Messages unasked; OpenAI chat when asked)."""
    protocol = find_protocol(det.endpoint, det.dialect)
    fmt = protocol.stream if protocol is not None else None
    return fmt is not None and fmt.usage_sent(request)


def _envelope_dialect(det: Detected) -> str | None:
    if det.provider == "openrouter":
        return "openrouter"
    return None  # the endpoint's / target's dialect (checks.envelope)


def contract_checks(
    det: Detected,
    status: int | None,
    request: Mapping[str, Any],
    normalized: Normalized | None,
    stream: StreamResult | None,
    in_band_error: bool,
    openapi: bool = False,
    specs_available: frozenset[str] | None = None,
) -> list[CheckSpec]:
    """The checks that apply to one recorded interaction (see the module docstring)."""
    spec_name = _spec_name(det)
    can_openapi = openapi and (specs_available is None or spec_name in specs_available)
    if status is None:
        return [CheckSpec("status", "2xx")]
    if status >= 400 or in_band_error:
        dialect = _envelope_dialect(det)
        checks = [CheckSpec("error_envelope", {"dialect": dialect} if dialect else None)]
        if (
            can_openapi
            and status >= 400
            and det.provider != "openrouter"
            and spec_name in ("openai", "anthropic")
        ):
            checks.append(CheckSpec("body_schema", {"openapi": f"{spec_name}#ErrorResponse"}))
        return checks
    if det.endpoint == "models":
        component = MODEL_LIST_COMPONENTS.get(det.dialect)
        checks = [CheckSpec("status", "2xx")]
        if component and det.provider != "openrouter":
            checks.append(CheckSpec("body_schema", {"openapi": component}))
        return checks
    if not _is_protocol(det):
        return [CheckSpec("status", "2xx")]
    checks = [CheckSpec("status", "2xx")]
    usage_expected = True
    if stream is not None:
        usage_expected = _usage_expected_in_stream(det, request)
        checks.append(
            CheckSpec(
                "stream",
                {"terminator": True, "single_finish_reason": True, "usage": usage_expected},
            )
        )
    else:
        checks.append(CheckSpec("body_schema", None))
    if can_openapi:
        checks.append(CheckSpec("body_schema", {"openapi": True}))
    if usage_expected:
        checks.append(CheckSpec("usage", None))
    checks.append(CheckSpec("finish_reason", list(KNOWN_FINISH_REASONS)))
    if normalized is not None and normalized.tool_calls:
        checks.append(CheckSpec("tool_call", None))
    elif requested_format(request)[0] is not None:
        checks.append(CheckSpec("json_output", None))
    return checks


def _spec_name(det: Detected) -> str:
    from harness.specs import spec_for

    if det.endpoint == "models":
        return det.dialect
    return spec_for(det.dialect, det.endpoint)


def _started_at(headers: Mapping[str, str]) -> str | None:
    date = headers.get("date")
    if not date:
        return None
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _detected(rec: Recorded, response_json: Any, options: AuditOptions) -> Detected:
    """What the interaction is; a host the catalogue knows (e.g. a gateway) keeps its name and
    dialect, as in a run's rows."""
    text = rec.body.decode("utf-8", errors="replace")
    sse = text if response_json is None else ""
    det = detect(rec.uri, rec.request_headers, rec.response_headers, rec.request_body,
                 response_json, sse[:5000])
    known = options.prices.provider_for(det.base_url)
    if known is not None and det.how != "host":
        det = replace(det, provider=known.name, dialect=known.dialect, how="catalogue")
    return det


def _answer(
    rec: Recorded, response_json: Any, det: Detected
) -> tuple[StreamResult | None, Any, Normalized | None]:
    """(assembled stream, the body the answer is judged on, its normalised form) of a 2xx."""
    ok = rec.status is not None and 200 <= rec.status < 300
    stream: StreamResult | None = None
    if ok and (wants_stream(rec.request_body) or "#stream" in rec.uri) and _is_protocol(det):
        stream = assemble(det.endpoint, rec.body, rec.chunks or None, det.dialect)
    body = stream.body if stream is not None and stream.body else response_json
    normalized = None
    if ok and _is_protocol(det) and body is not None:
        normalized = normalize(det.endpoint, det.dialect, body)
    return stream, body, normalized


def _exchange(rec: Recorded, stream: StreamResult | None) -> Exchange:
    status = rec.status
    return Exchange(
        method=rec.method,
        url=urldefrag(rec.uri)[0],
        request_headers=dict(rec.request_headers),
        request_body=rec.request_body,
        status_code=status,
        response_headers=dict(rec.response_headers),
        body=rec.body,
        t_start=0.0,
        t_first_byte=rec.ttfb_ms / 1000.0 if rec.ttfb_ms is not None else None,
        t_end=rec.latency_ms / 1000.0 if rec.latency_ms is not None else None,
        attempts=1,
        error_class=rec.error_class or (None if status is not None else "transport"),
        error_message=rec.error_message
        or (None if status is not None else "the cassette records no status"),
        recorded_latency_ms=rec.latency_ms,
        chunks=list(rec.chunks or []),
        stream=stream,
    )


def plan(
    rec: Recorded, suite: str, case_id: str, options: AuditOptions
) -> tuple[Job, Exchange, Detected]:
    """Job (with its checks) and Exchange of one recorded interaction."""
    response_json = rec.json
    det = _detected(rec, response_json, options)
    recorded_request = rec.request_body if isinstance(rec.request_body, dict) else {}
    request: dict[str, Any] = {**recorded_request, "endpoint": det.endpoint}
    stream, body, normalized = _answer(rec, response_json, det)
    in_band = bool(stream is not None and stream_error_event(rec.body) is not None)
    requested = recorded_request.get("model")
    model = options.prices.model(
        det,
        requested if isinstance(requested, str) else None,
        _served_model(body),
        _service_tier(body),
        _reported_calls(body),
    )
    provider = Provider(
        name=det.provider,
        base_url=det.base_url,
        dialect=det.dialect,
        endpoints={det.endpoint: det.path} if _is_protocol(det) else {},
        description=f"detected from the {det.how}",
    )
    checks = contract_checks(
        det, rec.status, request, normalized, stream, in_band, options.openapi,
        options.specs_available,
    )
    case = Case(
        suite=suite,
        id=case_id,
        request=request,
        expect=checks,
        raw=True,
        description=f"recorded interaction {rec.label}",
    )
    job = Job(case=case, target=Target(provider, model), request=request)
    return job, _exchange(rec, stream), det


def audit_recorded(
    rec: Recorded, suite: str, case_id: str, options: AuditOptions
) -> dict[str, Any]:
    """The result row of one recorded interaction."""
    job, exchange, det = plan(rec, suite, case_id, options)
    row = evaluate(
        job,
        exchange,
        run_id=options.run_id,
        mode=MODE,
        started_at=_started_at(rec.response_headers),
    )
    malformed = row["error_class"] == "malformed_body"
    if not _is_protocol(det) and malformed and exchange.json is not None:
        # normalize knows the three chat endpoints; a JSON model list is not malformed
        row["error_class"] = row["error_message"] = None
    if "cassette" in COLUMN_NAMES:
        row["cassette"] = str(rec.cassette)
    for name in COLUMN_NAMES:
        row.setdefault(name, None)
    return row


# -- many files --------------------------------------------------------------------------------


def suite_name(file: Path, root: Path) -> str:
    """The cassette's folder, relative to the folder given on the command line."""
    try:
        rel = file.parent.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(file.parent.name)
    text = rel.as_posix()
    return text if text not in ("", ".") else (root.resolve().name or ".")


def audit_paths(paths: Sequence[str | Path], options: AuditOptions) -> AuditResult:
    """Audit every interaction of every cassette under `paths` (files or folders).

    A path that does not exist, or a file given by name that is not a cassette, raises
    CassetteError; files found by walking a folder that are not cassettes are skipped and
    listed in `skipped`."""
    found = find_cassettes(list(paths))
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    rows: list[dict[str, Any]] = []
    files: list[Path] = []
    skipped: list[str] = []
    for file, root in found:
        try:
            recorded = read_cassette(file)
        except CassetteError as exc:
            if file.resolve() in named:
                raise
            skipped.append(str(exc))
            continue
        files.append(file)
        suite = suite_name(file, root)
        for rec in recorded:
            rows.append(audit_recorded(rec, suite, f"{file.stem}#{rec.index}", options))
    return AuditResult(rows=rows, files=files, skipped=skipped)


def available_specs(names: Iterable[str] = ("mistral", "openai", "anthropic")) -> frozenset[str]:
    """The official specs that can be loaded here (packaged, HARNESS_SPECS_DIR)."""
    from harness.specs import SpecError, spec_source

    out = set()
    for name in names:
        try:
            spec_source(name)
        except SpecError:
            continue
        out.add(name)
    return frozenset(out)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
