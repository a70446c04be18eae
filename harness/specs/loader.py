"""Where a provider's OpenAPI spec comes from, and its components as JSON Schema validators.

    validator = component_validator("mistral", "ChatCompletionResponse")
    validator = component_validator("anthropic", "Message", spec_file="specs/anthropic.yaml")
    validator = component_validator("openai", "Response", strict=True)   # no deviation patches

A spec is found, in this order:
1. `spec_file` (the `body_schema` argument): a full OpenAPI document (.yaml / .yml / .json) or a
   compact copy in the packaged format;
2. the folder named by the environment variable HARNESS_SPECS_DIR: `<name>.json`, `<name>.yaml`
   or `<name>.yml`, or the file names of the upstream repositories (so the folder
   `../shared/realworld/specs` works as is): `platform-docs-public/openapi.yaml`,
   `openai-openapi/openapi.yaml` (or `.json`), `anthropic-openapi-spec/hosted_spec.yaml`;
3. the packaged copies (harness/specs/mistral.json, harness/specs/openai.json): only the
   components the harness needs, closed over their $refs, with the licence and source commit.
   The Anthropic spec is not packaged (the only public copy is a third-party mirror without a
   licence): give it with `spec_file` or HARNESS_SPECS_DIR.

Unless `strict`, the documented deviation patches of `harness.specs.deviations` are applied.
Parsed documents and validators are cached (a full OpenAI document takes about a second to read).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core.hints import hint
from harness.specs.deviations import apply_deviations
from harness.specs.openapi import as_schema, closure, components, convert, read_document
from harness.wire.protocols import find_protocol, protocols

ENV_DIR = "HARNESS_SPECS_DIR"
KNOWN_SPECS = ("mistral", "openai", "anthropic")
PACKAGED = {"mistral": "mistral.json", "openai": "openai.json"}
# upstream file names, relative to a specs folder (the layout of ../shared/realworld/specs)
UPSTREAM_NAMES = {
    "mistral": ("platform-docs-public/openapi.yaml",),
    "openai": ("openai-openapi/openapi.yaml", "openai-openapi/openapi.json"),
    "anthropic": ("anthropic-openapi-spec/hosted_spec.yaml",),
}

# The components of wire-protocol answers are the protocols' own (`spec_components` of each
# record, wire/protocols.py); these are the answers of endpoints that are no wire protocol.
# (spec, endpoint) -> (component of a JSON body, component of one stream event)
OTHER_COMPONENTS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("mistral", "models"): ("ModelList", None),
    ("openai", "models"): ("ListModelsResponse", None),
}
ERROR_COMPONENTS = {"openai": "ErrorResponse", "anthropic": "ErrorResponse"}


class SpecError(ValueError):
    """A spec or component that cannot be found or read (the message says what to do)."""


@dataclass
class SpecSource:
    """One spec, from one place: a full document, or a compact copy of some components."""

    name: str
    origin: str  # a path, or "packaged copy of <repo>@<commit>"
    schemas: dict[str, Any]  # component name -> schema (OpenAPI form, or converted)
    converted: bool  # True for compact copies (already JSON Schema)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.origin}"

    def component_names(self) -> list[str]:
        return sorted(self.schemas)

    def defs(self, component: str) -> dict[str, Any]:
        """`component` and everything it references, as JSON Schema."""
        if component not in self.schemas:
            raise SpecError(self._unknown(component))
        try:
            names = closure(self.schemas, [component])
        except KeyError as exc:
            raise SpecError(
                f"{self.origin}: component {component!r} references {exc.args[0]!r}, which is "
                "not in this copy of the spec"
            ) from None
        if self.converted:
            return {n: self.schemas[n] for n in names}
        return {n: convert(self.schemas[n]) for n in names}

    def _unknown(self, component: str) -> str:
        suggestion = hint(component, self.schemas)
        msg = f"the {self.name} spec ({self.origin}) has no component {component!r}{suggestion}"
        if self.meta.get("packaged"):
            msg += (
                f" The packaged copy holds only {', '.join(sorted(self.meta['components']))}; "
                f"for others give the full spec (spec_file: or {ENV_DIR})."
            )
        return msg


def parse_ref(ref: str) -> tuple[str, str | None]:
    """`"mistral#ChatCompletionResponse"` -> ("mistral", "ChatCompletionResponse");
    `"mistral"` -> ("mistral", None)."""
    if not isinstance(ref, str) or not ref.strip():
        raise SpecError(
            'openapi must be "<spec>#<Component>", e.g. "mistral#ChatCompletionResponse"'
        )
    spec, _, component = ref.strip().partition("#")
    if not spec:
        raise SpecError(f"openapi {ref!r}: name the spec before '#', e.g. 'openai#Response'")
    return spec, (component or None)


@lru_cache(maxsize=8)
def _read(path: str, mtime: float) -> tuple[dict[str, Any], bool, dict[str, Any]]:
    """(schemas, converted, meta) of a spec file."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        data = json.loads(p.read_bytes())
        compact = isinstance(data, dict) and isinstance(data.get("$defs"), dict)
        if compact and not isinstance(data.get("components"), dict):
            meta = {k: v for k, v in data.items() if k != "$defs"}
            return data["$defs"], True, meta
    doc = read_document(p)
    info = doc.get("info") or {}
    return components(doc), False, {"title": info.get("title"), "version": info.get("version")}


def _from_file(name: str, path: Path) -> SpecSource:
    try:
        schemas, converted, meta = _read(str(path.resolve()), path.stat().st_mtime)
    except FileNotFoundError:
        raise SpecError(f"spec file {str(path)!r} not found") from None
    except (OSError, ValueError) as exc:
        raise SpecError(f"spec file {str(path)!r} cannot be read: {exc}") from None
    return SpecSource(name, str(path), schemas, converted, meta)


@lru_cache(maxsize=4)
def _packaged(name: str) -> SpecSource:
    text = resources.files("harness.specs").joinpath(PACKAGED[name]).read_text("utf-8")
    data = json.loads(text)
    source = data.get("source") or {}
    origin = f"packaged copy of {source.get('repository')}@{str(source.get('commit'))[:12]}"
    meta = {k: v for k, v in data.items() if k != "$defs"}
    meta["packaged"] = True
    return SpecSource(name, origin, data["$defs"], True, meta)


def find_in_dir(name: str, folder: Path) -> Path | None:
    """The file of spec `name` in a specs folder, or None."""
    candidates = [folder / f"{name}{ext}" for ext in (".json", ".yaml", ".yml")]
    candidates += [folder / rel for rel in UPSTREAM_NAMES.get(name, ())]
    return next((c for c in candidates if c.is_file()), None)


def spec_source(name: str, spec_file: str | os.PathLike[str] | None = None) -> SpecSource:
    """Spec `name` from `spec_file`, else HARNESS_SPECS_DIR, else the packaged copy."""
    if spec_file:
        return _from_file(name, Path(spec_file))
    folder = os.environ.get(ENV_DIR)
    if folder:
        found = find_in_dir(name, Path(folder))
        if found is not None:
            return _from_file(name, found)
    if name in PACKAGED:
        return _packaged(name)
    if name == "anthropic":
        raise SpecError(
            "the Anthropic spec is not shipped with the harness (the only public copy is a "
            "third-party mirror without a licence): give its path with spec_file: or put it "
            f"in the folder named by {ENV_DIR} (as anthropic.yaml, or "
            "anthropic-openapi-spec/hosted_spec.yaml)"
        )
    where = f" or in {ENV_DIR}={folder}" if folder else ""
    raise SpecError(
        f"unknown spec {name!r}{where}: packaged specs are {', '.join(sorted(PACKAGED))}; "
        "give another spec's file with spec_file:"
    )


def component_schema(
    name: str,
    component: str,
    *,
    spec_file: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """A self-contained JSON Schema of one component (deviation patches applied unless strict)."""
    return _schema(spec_source(name, spec_file), component, strict)[0]


def _schema(source: SpecSource, component: str, strict: bool) -> tuple[dict[str, Any], list[str]]:
    defs = source.defs(component)
    applied: list[str] = []
    if not strict:
        defs, applied = apply_deviations(source.name, defs)
    return as_schema(defs, component), applied


@dataclass
class ComponentValidator:
    """A jsonschema validator of one spec component, and what it was built from."""

    spec: str
    component: str
    origin: str
    strict: bool
    applied: list[str]  # ids of the deviation patches in force
    validator: Any

    @property
    def label(self) -> str:
        mode = "strict" if self.strict else f"{len(self.applied)} known deviation(s) patched"
        return f"{self.spec}#{self.component} ({mode})"


@lru_cache(maxsize=128)
def _validator(source_key: str, component: str, strict: bool) -> ComponentValidator:
    source = _SOURCES[source_key]
    from jsonschema import Draft202012Validator

    schema, applied = _schema(source, component, strict)
    return ComponentValidator(
        source.name, component, source.origin, strict, applied, Draft202012Validator(schema)
    )


_SOURCES: dict[str, SpecSource] = {}


def component_validator(
    name: str,
    component: str,
    *,
    spec_file: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> ComponentValidator:
    """A cached validator of one component (deviation patches applied unless strict)."""
    source = spec_source(name, spec_file)
    key = source.key + f":{id(source.schemas)}"
    _SOURCES.setdefault(key, source)
    if component not in source.schemas:
        raise SpecError(source._unknown(component))
    return _validator(key, component, strict)


def default_component(
    spec: str, endpoint: str, *, stream: bool = False, error: bool = False
) -> str | None:
    """The component an answer of this endpoint should match (None when the spec has none):
    the first protocol of the endpoint that names a component of `spec`."""
    if error:
        return ERROR_COMPONENTS.get(spec)
    pair = OTHER_COMPONENTS.get((spec, endpoint))
    for protocol in protocols():
        if pair is None and protocol.endpoint == endpoint:
            pair = protocol.spec_components.get(spec)
    if pair is None:
        return None
    return pair[1] if stream else pair[0]


def spec_for(dialect: str, endpoint: str) -> str:
    """The official spec an endpoint's answers follow: the protocol's own (messages ->
    anthropic, responses -> openai, Mistral chat -> mistral), else the target's dialect's
    (OpenAI-compatible dialects without a spec -> openai)."""
    protocol = find_protocol(endpoint, dialect)
    if protocol is not None and protocol.spec is not None:
        return protocol.spec
    return dialect if dialect in KNOWN_SPECS else "openai"
