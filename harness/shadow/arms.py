"""Arms: one wire body sent to one target, and the exchange turned into an `Answer`.

    ArmTarget(role, target, key)           who an arm is (primary | candidate | secondary),
                                           the resolved provider/model and the key it uses
    with_keys(arms, simulate, need)        each arm's key from its provider's environment
    target_protocol(source, target)        the protocol the target is sent: the source's
                                           endpoint when the provider serves it, else chat
    mirror(body, source, target_proto, m)  harness.wire.mirror.mirror_request, a failure kept
                                           as `untranslatable` (wire body, primary -> arm)
    shadow_job(target, protocol, body)     a raw Job: the body goes out untouched (the model is
                                           already set), through the provider's base_url, path
                                           and auth like any `harness run` job
    send_arm(client, arm, source, body, options, deadline_s) -> Arm
                                           engine.send.execute (retries, timeouts, streams read
                                           event by event) on the session's client, bounded by
                                           the shadow deadline as a whole
    answer_of(job, exchange) -> Answer     the one conversion: checks.evaluate.judge (the
                                           protocol's normaliser, its stream assembler,
                                           wire.errors), priced with the price book
    answer_from_recorded(protocol, rec)    a recorded answer (replay traffic, cassettes) read
                                           the same way, standing for the primary

Error classes an arm adds to the engine's: `shadow_timeout` (the arm's deadline passed),
`unsupported_endpoint` (the provider serves no such endpoint), `untranslatable` (no
translation from the primary's protocol to the arm's).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import MissingCredentialError, UsageError
from harness.core.models import Case, Exchange, Job, ModelInfo, Provider, Target, Usage
from harness.shadow.pairs import Answer, Arm
from harness.wire.mirror import mirror_request
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import DEFAULT_ENDPOINT, find_protocol, get_protocol

__all__ = ["ArmTarget", "Mirrored", "answer_from_recorded", "answer_of", "mirror",
           "send_arm", "shadow_job", "target_protocol", "with_keys"]

ROLES = ("primary", "candidate", "secondary")


@dataclass(frozen=True)
class ArmTarget:
    """One arm: its role, its target (provider/model resolved), the key it sends."""

    role: str
    target: Target
    key: str | None = None

    @property
    def name(self) -> str:
        return self.target.name


@dataclass
class Mirrored:
    """A request translated for an arm (harness.wire.mirror's shape); body None: cannot be."""

    body: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)
    protocol: WireProtocol | None = None


def with_keys(arms: Mapping[str, ArmTarget], simulate: bool,
              need: Sequence[str]) -> dict[str, ArmTarget]:
    """`arms` with each key read from its provider's environment variable (sim-key when
    simulated); a role in `need` without one is a MissingCredentialError."""
    from harness.session.plan import SIM_KEY

    out: dict[str, ArmTarget] = {}
    missing = []
    for role, arm in arms.items():
        env = arm.target.provider.api_key_env
        key = SIM_KEY if simulate else (os.environ.get(env) if env else None)
        if env and not key and role in need:
            missing.append(f"{env} (for the {role}, {arm.name})")
        out[role] = ArmTarget(role, arm.target, key)
    if missing:
        raise MissingCredentialError(
            f"missing API key: set {', '.join(missing)} in the environment. Keys are read "
            "from environment variables only; to try it without a key, add --simulate.")
    return out


def target_protocol(source: WireProtocol, target: Target) -> WireProtocol:
    """The protocol `target` is sent: the source's endpoint when its provider serves it (for
    its dialect), else its chat protocol."""
    endpoint = source.endpoint if source.endpoint in target.provider.endpoints else DEFAULT_ENDPOINT
    return get_protocol(endpoint, target.dialect)


def mirror(body: dict[str, Any], source: WireProtocol, target: WireProtocol,
           model: str | None) -> Mirrored:
    """`body` (the primary's protocol) for `target`'s protocol with `model` (None: keep the
    body's), through harness.wire.mirror.mirror_request (wire -> canonical -> wire, every
    change noted); a body it cannot carry is Mirrored(None, [why])."""
    if model is None:
        model = str(body.get("model") or "")
    try:
        done = mirror_request(body, source, target, model)
    except (UsageError, ValueError, TypeError, KeyError) as exc:
        return Mirrored(None, [f"{source.name} -> {target.name}: {exc}"], target)
    return Mirrored(done.body, list(done.notes), done.protocol or target)


def shadow_job(target: Target, protocol: WireProtocol, body: Any,
               timeout_s: float | None = None, case_id: str = "shadow") -> Job:
    """A raw job sending `body` on `protocol`'s endpoint of `target` (URL, path, auth headers
    from the provider and the protocol, as any job)."""
    stream = isinstance(body, Mapping) and body.get("stream") is True
    request = {"endpoint": protocol.endpoint, "body": body, "stream": stream}
    case = Case(suite="shadow", id=case_id, request=request, raw=True, timeout_s=timeout_s)
    return Job(case=case, target=target, request=request)


def _arguments(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def _json_output(content: str | None) -> Any:
    text = (content or "").strip()
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _usage(usage: Usage | None) -> dict[str, int | None] | None:
    if usage is None:
        return None
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens, "cached_prompt_tokens": usage.cached_prompt_tokens}


def _body_text(exchange: Exchange, stream: Any) -> str | None:
    if stream is not None and stream.body is not None:
        body = {k: v for k, v in stream.body.items() if not k.startswith("_")}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return exchange.body.decode("utf-8", errors="replace") if exchange.body else None


def answer_of(job: Job, exchange: Exchange) -> Answer:
    """An exchange as an Answer: normalised, streams assembled, errors classified, priced."""
    from harness.checks.evaluate import judge, timing_columns
    from harness.providers.pricing import compute_cost

    normalized, stream, error_class, error_message = judge(job, exchange)
    usage = normalized.usage if normalized is not None else None
    cost = compute_cost(job.target.model, usage, {})[0] if usage is not None else None
    content = normalized.content if normalized is not None else None
    latency = exchange.latency_ms
    return Answer(
        status=exchange.status_code, error_class=error_class, error_message=error_message,
        content=content,
        tool_calls=[{"name": c.name, "arguments": _arguments(c.arguments)}
                    for c in (normalized.tool_calls if normalized is not None else [])],
        finish_reason=normalized.finish_reason if normalized is not None else None,
        json_output=_json_output(content), usage=_usage(usage),
        model=normalized.model if normalized is not None else None,
        latency_ms=round(latency, 3) if latency is not None else None,
        ttft_ms=timing_columns(exchange, stream, usage)["ttft_ms"],
        cost_usd=cost, stream=stream is not None,
        stream_events=stream.stats.events if stream is not None else None,
        body=_body_text(exchange, stream),
    )


def _recorded_target(protocol: WireProtocol, target: Target | None) -> Target:
    if target is not None:
        return target
    dialect = protocol.dialects[0] if protocol.dialects else (protocol.home_dialect or "openai")
    provider = Provider(name="recorded", base_url="", dialect=dialect,
                        endpoints={protocol.endpoint: protocol.path})
    return Target(provider=provider, model=ModelInfo(id="recorded"))


def _looks_stream(headers: Mapping[str, str], body: bytes) -> bool:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    head = body.lstrip()[:16]
    return "event-stream" in ctype or head.startswith((b"data:", b"event:", b":"))


def answer_from_recorded(protocol: WireProtocol, recorded: Any, target: Target | None = None,
                         request: Any = None) -> Answer:
    """A recorded answer (`status`, `headers`, `body` bytes, `latency_ms`) as an Answer, read
    like a live one; a stream when the request asked for one (or, without the request, when
    the body is SSE). `target` prices it (default: unpriced)."""
    body = recorded.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = dict(getattr(recorded, "headers", None) or {})
    if not isinstance(request, Mapping):
        request = {"stream": True} if _looks_stream(headers, body) else {}
    latency = getattr(recorded, "latency_ms", None)
    job = shadow_job(_recorded_target(protocol, target), protocol, request)
    exchange = Exchange(method="POST", url="", request_headers={}, request_body=request,
                        status_code=getattr(recorded, "status", None),
                        response_headers={k.lower(): v for k, v in headers.items()}, body=body,
                        t_start=0.0, t_end=(latency or 0.0) / 1000.0 if latency else None,
                        attempts=1)
    return answer_of(job, exchange)


def _failed(error_class: str, message: str, started: float) -> Answer:
    return Answer(error_class=error_class, error_message=message,
                  latency_ms=round((time.perf_counter() - started) * 1000.0, 3))


async def send_arm(client: Any, arm: ArmTarget, source: WireProtocol, body: dict[str, Any],
                   options: Any, deadline_s: float | None = None, *,
                   keep_model: bool = False, key: str | None = None) -> Arm:
    """Send `body` (in `source`'s protocol) to `arm`, translated, within `deadline_s` in all
    (retries included); never raises for what the arm answered or failed to."""
    from harness.engine.send import execute

    target = arm.target
    protocol = target_protocol(source, target)
    mirrored = mirror(body, source, protocol, None if keep_model else target.model.id)
    protocol = mirrored.protocol or protocol
    started = time.perf_counter()
    if mirrored.body is None:
        answer = _failed("untranslatable", "; ".join(mirrored.notes), started)
    else:
        job = shadow_job(target, protocol, mirrored.body, case_id=f"shadow-{arm.role}")
        try:
            answer = answer_of(job, await asyncio.wait_for(
                execute(job, client, options, key if key is not None else arm.key), deadline_s))
        except TimeoutError:
            answer = _failed("shadow_timeout", f"no answer within {deadline_s:g} s", started)
        except UsageError as exc:
            answer = _failed("unsupported_endpoint", str(exc), started)
    return Arm(target=target.name, protocol=protocol.name, endpoint=protocol.endpoint,
               dialect=target.dialect, answer=answer, request_sent=mirrored.body,
               notes=mirrored.notes)


def protocol_of_endpoint(endpoint: str, dialect: str) -> WireProtocol | None:
    """The protocol of a client's request on `endpoint` to a provider of `dialect`."""
    return find_protocol(endpoint, dialect)
