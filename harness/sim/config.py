"""Configuration of the reference simulator: dialect, keys, models, limits, latency, faults.

Defaults come from the two seed documents and from real traffic (MANIFEST.md):

* ``mistral`` (La Plateforme, Mistral Medium 3.5): temperature 0..1.5, top_p 0..1,
  penalties -2..2, ``max_tokens >= 0`` and ``random_seed >= 0`` (the published OpenAPI spec),
  256K context.
* ``openai`` (the EmpirioLabs OpenAI-compatible gateway serving ``mistral-medium-3-1`` on
  ``/v1/chat/completions``, ``/v1/responses`` and ``/v1/messages``, seed 000): temperature
  0..2, top_p 0..1, max_tokens 1..65536, penalties -2..2, 131K context, 40K output, image input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

SIM_DIALECTS = ("mistral", "openai")

#: Every fault kind the simulator can inject (see `harness.sim.faults`).
FAULT_KINDS = (
    "429",
    "500",
    "503",
    "529",
    "502_html",
    "malformed_json",
    "timeout",
    "stream_cut",
    "stream_bad_event",
    "stream_html",
    "slow_first_token",
    # hostile answers (harness.sim.hostile): only when asked for, never drawn at random
    "deep_json",
    "deep_json_400",
    "deep_json_stream",
    "slow_drip",
    "endless_stream",
    "ping_forever",
    "huge_body",
    "gzip_bomb",
    "429_long",
    "redirect_307",
)
#: The kinds that act on a stream once it has started (the request itself is served).
STREAM_FAULT_KINDS = ("stream_cut", "stream_bad_event", "stream_html", "slow_first_token")

#: Environment variable whose value is added to the accepted API keys.
API_KEY_ENV = "HARNESS_SIM_API_KEY"

DEFAULT_API_KEY = "sim-key"

#: prompt tokens added when the gateway's Linkup web search feeds sources to the model
WEB_SEARCH_TOKENS = 300

# The -latest aliases are what real clients (pydantic-ai, chatlas) send, so cassettes replay.
# Seed 004's tier table: Medium 3 is text-only, mistral-small has no vision.
MISTRAL_TEXT_ONLY = ("mistral-medium-3", "mistral-small")
MISTRAL_MODELS = (
    "mistral-medium-3.5",
    "mistral-medium-3",
    "mistral-small",
    "mistral-large",
    "mistral-medium-latest",
    "mistral-small-latest",
    "mistral-large-latest",
)
GATEWAY_MODELS = ("mistral-medium-3-1",)

# name -> (minimum, maximum); None = unbounded on that side
Range = tuple[float | None, float | None]

MISTRAL_RANGES: dict[str, Range] = {
    "temperature": (0.0, 1.5),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
    "max_tokens": (0, None),
    "random_seed": (0, None),
    "n": (1, None),
}
GATEWAY_RANGES: dict[str, Range] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
    "max_tokens": (1, 65536),
    "max_completion_tokens": (1, 65536),
    "n": (1, 128),
    "top_logprobs": (0, 20),
}

# Seed docs: Mistral Medium 3.5 "256K" (taken as 256000); gateway "131K" (131072), 40K output.
MISTRAL_CONTEXT = 256_000
GATEWAY_CONTEXT = 131_072
MISTRAL_MAX_OUTPUT = 256_000
GATEWAY_MAX_OUTPUT = 40_000

# Provider default temperatures (used when the request omits it): Mistral's /v1/models lists
# default_model_temperature 0.3; the gateway's parameter table says 0.7.
DEFAULT_TEMPERATURE = {"mistral": 0.3, "openai": 0.7}


@dataclass
class FaultConfig:
    """Random fault injection: each chat request fails with probability ``rate``.

    The draw uses ``random.Random(seed)``, so a run of sequential requests is reproducible.
    ``kinds`` are drawn uniformly; "timeout" is not in the default set because it hangs for
    ``hang_s`` seconds. ``retry_after_s`` is sent as the Retry-After header of a 429
    (fractions allowed, written like "0.05"). ``first_token_ms`` is the delay of the
    "slow_first_token" kind when the request has no ``x-sim-first-token-ms`` header.
    """

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = ("429", "500", "503", "502_html", "malformed_json")
    retry_after_s: float = 1.0
    hang_s: float = 30.0
    first_token_ms: float = 2000.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within 0..1, got {self.rate}")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}")
        self.kinds = tuple(self.kinds)


@dataclass
class SimConfig:
    """Everything a `SimServer` needs. Fields left as None get the dialect's defaults."""

    dialect: str = "mistral"
    api_keys: set[str] | None = None
    models: tuple[str, ...] | None = None
    ranges: dict[str, Range] | None = None
    context_window: int | None = None
    max_output: int | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    #: delay between the content events of a streamed answer (x-sim-chunk-delay-ms overrides)
    chunk_delay_ms: float = 0.0
    #: if set, every stream's first content event leaves this long after the request arrived
    #: (x-sim-first-token-ms overrides); headers and preamble events may leave earlier
    first_token_ms: float | None = None
    #: models that refuse image input (None: the dialect's default, see MISTRAL_TEXT_ONLY)
    text_only_models: tuple[str, ...] | None = None
    #: seeds the latency jitter
    seed: int = 0
    faults: FaultConfig = field(default_factory=FaultConfig)
    #: aiohttp access log (request line only, never headers); off by default for speed
    access_log: bool = False

    def __post_init__(self) -> None:
        if self.dialect not in SIM_DIALECTS:
            raise ValueError(f"dialect must be one of {SIM_DIALECTS}, got {self.dialect!r}")
        mistral = self.dialect == "mistral"
        keys = set(self.api_keys) if self.api_keys is not None else {DEFAULT_API_KEY}
        env_key = os.environ.get(API_KEY_ENV)
        if env_key:
            keys.add(env_key)
        self.api_keys = keys
        if self.models is None:
            self.models = MISTRAL_MODELS if mistral else GATEWAY_MODELS
        self.models = tuple(self.models)
        base = MISTRAL_RANGES if mistral else GATEWAY_RANGES
        self.ranges = {**base, **(self.ranges or {})}
        if self.context_window is None:
            self.context_window = MISTRAL_CONTEXT if mistral else GATEWAY_CONTEXT
        if self.max_output is None:
            self.max_output = MISTRAL_MAX_OUTPUT if mistral else GATEWAY_MAX_OUTPUT
        if self.text_only_models is None:
            self.text_only_models = MISTRAL_TEXT_ONLY if mistral else ()
        self.text_only_models = tuple(self.text_only_models)

    def accepts_images(self, model: str) -> bool:
        assert self.text_only_models is not None
        return model not in self.text_only_models

    @property
    def default_temperature(self) -> float:
        return DEFAULT_TEMPERATURE[self.dialect]

    def range_of(self, name: str) -> Range:
        assert self.ranges is not None
        return self.ranges.get(name, (None, None))
