"""Providers' official OpenAPI specs: loading, schema extraction, known deviations.

    from harness.specs import component_validator, parse_ref
    v = component_validator("mistral", "ChatCompletionResponse")     # patched (see deviations)
    errors = list(v.validator.iter_errors(body))

Modules: `openapi` (OpenAPI -> JSON Schema, closure over $refs), `loader` (where a spec comes
from: `spec_file`, HARNESS_SPECS_DIR, the packaged copies), `deviations` (the documented
patch list), `build` (regenerates the packaged copies from the upstream files).
"""

from harness.specs.deviations import DEVIATIONS, Deviation, apply_deviations, deviations
from harness.specs.loader import (
    ENV_DIR,
    KNOWN_SPECS,
    PACKAGED,
    ComponentValidator,
    SpecError,
    component_schema,
    component_validator,
    default_component,
    parse_ref,
    spec_for,
    spec_source,
)

__all__ = [
    "DEVIATIONS",
    "ENV_DIR",
    "KNOWN_SPECS",
    "PACKAGED",
    "ComponentValidator",
    "Deviation",
    "SpecError",
    "apply_deviations",
    "component_schema",
    "component_validator",
    "default_component",
    "deviations",
    "parse_ref",
    "spec_for",
    "spec_source",
]
