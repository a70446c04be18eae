"""Known deviations of real providers from their own OpenAPI specs: the patch list.

Validating a real answer against a provider's official spec flags things the provider sends
every day (a key the spec requires and no response has, a null where the spec says string).
Ignoring those errors would hide real breakage too, so each one is written down here, with the
recorded traffic that shows it (files under ../shared/realworld/cassettes, `file#index`), and
undone by a narrow patch of the spec's schema: "this one key may be absent", "this one field
may be null". Everything else in the spec still applies.

`body_schema: {openapi: "mistral#ChatCompletionResponse"}` validates against the patched spec;
`strict: true` validates against the spec as published (the deviations then show up as
failures). A patch whose target is not in the spec (a newer spec that fixed it) is skipped.
README.md ("Known deviations of real providers from their specs") lists the same entries.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.specs.openapi import allow_null

Path = tuple[str | int, ...]


def _step(node: Any, key: str | int) -> Any:
    """node[key] when it exists, else None."""
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


@dataclass(frozen=True)
class Patch:
    """One edit of a converted component schema.

    op:
      optional      remove `name` from the `required` list of the object schema at `path`
      nullable      the property `name` of the object schema at `path` may also be null
      add_property  declare property `name` (schema `value`) on the closed object at `path`
      add_branch    append schema `value` to the `oneOf` / `anyOf` at `path`
    """

    op: str
    component: str
    path: Path = ()
    name: str = ""
    value: Any = None

    def apply(self, defs: dict[str, Any]) -> bool:
        """Edit `defs` in place; False when the target is not there (nothing changed)."""
        node: Any = defs.get(self.component)
        for key in self.path:
            node = _step(node, key)
        if not isinstance(node, dict):
            return False
        if self.op == "optional":
            required = node.get("required")
            if not isinstance(required, list) or self.name not in required:
                return False
            node["required"] = [r for r in required if r != self.name]
            return True
        if self.op == "nullable":
            props = node.get("properties")
            if not isinstance(props, dict) or self.name not in props:
                return False
            props[self.name] = allow_null(props[self.name])
            return True
        if self.op == "add_property":
            props = node.setdefault("properties", {})
            if not isinstance(props, dict) or self.name in props:
                return False
            props[self.name] = copy.deepcopy(self.value)
            return True
        if self.op == "add_branch":
            for key in ("oneOf", "anyOf"):
                if isinstance(node.get(key), list):
                    node[key] = [*node[key], copy.deepcopy(self.value)]
                    return True
            return False
        raise ValueError(f"unknown patch op {self.op!r}")


@dataclass(frozen=True)
class Deviation:
    """A documented difference between a provider's real answers and its spec."""

    id: str
    spec: str  # mistral | openai | anthropic
    where: str  # the component / JSON path in the answer
    summary: str
    evidence: tuple[str, ...]  # recorded traffic: cassette file (relative to cassettes/)#index
    patches: tuple[Patch, ...] = field(default_factory=tuple)


DEVIATIONS: tuple[Deviation, ...] = (
    # -- Mistral (platform-docs-public openapi.yaml) ------------------------------------------
    Deviation(
        id="mistral.chat.data_required",
        spec="mistral",
        where="ChatCompletionResponse.data",
        summary="The spec lists `data` among the required keys of a chat completion; no real "
        "response (2024-2026, every model) has a `data` key.",
        evidence=(
            "pydantic-ai/test_mistral/test_mistral_forwards_penalties.yaml#0",
            "chatlas/test_provider_mistral/test_data_extraction.yaml#0",
            "openllmetry/test_chat/test_mistralai_chat_legacy.yaml#0",
        ),
        patches=(Patch("optional", "ChatCompletionResponse", ("allOf", 1), "data"),),
    ),
    Deviation(
        id="mistral.usage.service_tier",
        spec="mistral",
        where="UsageInfo.service_tier",
        summary="`UsageInfo` is closed (additionalProperties: false), but Magistral answers put "
        '`service_tier: "standard"` inside `usage`.',
        evidence=(
            "llm-mistral/reasoning/magistral-high-completion.json#0",
            "llm-mistral/reasoning/magistral-none-completion.json#0",
        ),
        patches=(Patch("add_property", "UsageInfo", (), "service_tier", {"type": "string"}),),
    ),
    # -- OpenAI (openai-openapi openapi.yaml) -------------------------------------------------
    Deviation(
        id="openai.chat.logprobs_required",
        spec="openai",
        where="CreateChatCompletionResponse.choices[].logprobs",
        summary="The spec requires `logprobs` in every choice; gpt-5 answers (2026) and 2024 "
        "vision answers leave it out (gpt-4o sends `logprobs: null`).",
        evidence=(
            "chatlas/test_provider_openai_completions/test_data_extraction.yaml#0",
            "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml#0",
            "openllmetry/test_vision/test_vision.yaml#0",
        ),
        patches=(
            Patch(
                "optional", "CreateChatCompletionResponse", ("properties", "choices", "items"),
                "logprobs",
            ),
        ),
    ),
    Deviation(
        id="openai.chat.system_fingerprint_null",
        spec="openai",
        where="CreateChatCompletionResponse.system_fingerprint (and stream chunks)",
        summary="Typed `string`; gpt-5 answers send `system_fingerprint: null`, in full "
        "responses and in every stream chunk.",
        evidence=(
            "chatlas/test_provider_openai_completions/test_data_extraction.yaml#0",
            "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml#0",
            "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml#0",
        ),
        patches=(
            Patch("nullable", "CreateChatCompletionResponse", (), "system_fingerprint"),
            Patch("nullable", "CreateChatCompletionStreamResponse", (), "system_fingerprint"),
        ),
    ),
    Deviation(
        id="openai.chat.refusal_required",
        spec="openai",
        where="ChatCompletionResponseMessage.refusal",
        summary="Required by the spec; absent from answers recorded before the field existed "
        "(February 2024).",
        evidence=("openllmetry/test_vision/test_vision.yaml#0",),
        patches=(Patch("optional", "ChatCompletionResponseMessage", (), "refusal"),),
    ),
    Deviation(
        id="openai.responses.user_null",
        spec="openai",
        where="Response.user",
        summary="Typed `string` (deprecated field); real Responses objects send `user: null`.",
        evidence=(
            "chatlas/test_provider_openai/test_data_extraction.yaml#0",
            "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml#0",
        ),
        patches=(Patch("nullable", "ModelResponseProperties", (), "user"),),
    ),
    Deviation(
        id="openai.responses.usage_null",
        spec="openai",
        where="Response.usage",
        summary="`usage` is a ResponseUsage object in the spec; the `response.created` and "
        "`response.in_progress` stream events carry the response with `usage: null`.",
        evidence=(
            "chatlas/test_provider_openai/test_openai_simple_request.yaml#0",
            "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#0",
        ),
        patches=(Patch("nullable", "Response", ("allOf", 2), "usage"),),
    ),
    Deviation(
        id="openai.responses.cache_write_tokens_required",
        spec="openai",
        where="ResponseUsage.input_tokens_details.cache_write_tokens",
        summary="Required by the spec; answers until at least May 2026 report only "
        "`cached_tokens` (July 2026 answers include `cache_write_tokens: 0`).",
        evidence=(
            "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml#0",
            "chatlas/test_provider_openai/test_openai_simple_request.yaml#0",
        ),
        patches=(
            Patch(
                "optional", "ResponseUsage", ("properties", "input_tokens_details"),
                "cache_write_tokens",
            ),
        ),
    ),
    Deviation(
        id="openai.responses.format_description_null",
        spec="openai",
        where="Response.text.format.description",
        summary="The echoed json_schema format has `description: null` when none was sent; "
        "the spec types it `string`.",
        evidence=("chatlas/test_provider_openai/test_data_extraction.yaml#0",),
        patches=(Patch("nullable", "TextResponseFormatJsonSchema", (), "description"),),
    ),
    Deviation(
        id="openai.responses.arguments_done_name",
        spec="openai",
        where="ResponseFunctionCallArgumentsDoneEvent.name",
        summary="The spec requires `name` on `response.function_call_arguments.done`; the real "
        "event has only type, item_id, output_index, arguments and sequence_number.",
        evidence=("chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#0",),
        patches=(Patch("optional", "ResponseFunctionCallArgumentsDoneEvent", (), "name"),),
    ),
    # -- Anthropic (third-party mirror of the Stainless spec, 2024-11) -------------------------
    Deviation(
        id="anthropic.stream.ping",
        spec="anthropic",
        where="MessageStreamEvent",
        summary='Streams carry `event: ping` / `{"type": "ping"}` events (documented in '
        "Anthropic's streaming guide); `MessageStreamEvent` does not list them.",
        evidence=(
            "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#1",
            "chatlas/test_provider_anthropic/test_anthropic_images.yaml#0",
        ),
        patches=(
            Patch(
                "add_branch",
                "MessageStreamEvent",
                (),
                value={
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"const": "ping"}},
                },
            ),
        ),
    ),
)


def deviations(spec: str | None = None) -> list[Deviation]:
    """The documented deviations (of one spec, or all)."""
    return [d for d in DEVIATIONS if spec is None or d.spec == spec]


def apply_deviations(
    spec: str, defs: Mapping[str, Any], only: Sequence[str] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """(a patched deep copy of `defs`, ids of the deviations that changed something)."""
    out = copy.deepcopy(dict(defs))
    applied = []
    for dev in deviations(spec):
        if only is not None and dev.id not in only:
            continue
        changed = [p.apply(out) for p in dev.patches]
        if any(changed):
            applied.append(dev.id)
    return out, applied
