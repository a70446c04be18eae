"""The provider catalogue: the packaged seed providers plus users' own providers files.

A providers file looks like the packaged `catalogue.yaml`:

    providers:
      local:
        base_url: ${LOCAL_LLM_URL:-http://127.0.0.1:8000/v1}
        dialect: openai
        api_key_env: LOCAL_LLM_KEY      # optional: a keyless local server needs none
        models:
          my-model: {price: {input: 0.1, output: 0.2}, context_window: 32768}
      staging-mistral:
        extends: mistral                # copy everything, override what is given
        base_url: https://mistral-proxy.internal/v1

Each file (the packaged one too) is parsed and checked against `schema.json` by
`providers.source` (duplicate keys, types, unknown keys with "did you mean", provider names);
this module checks what a schema cannot say, each error naming the file and line: `extends`
names a known provider and forms no cycle, `dialect:` and the `endpoints:` names are those of
the registered wire protocols (harness.wire.protocols, so a plugin's protocol is usable here),
`base_url` is an http(s) URL with a host once interpolated.
`${VAR}` and `${VAR:-default}` are interpolated from the environment in base_url and header
values; an unset variable without a default is an error naming it. Keys are never read here: a
provider names its key's environment variable, the engine reads it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core.errors import ProviderConfigError, UnknownTargetError
from harness.core.hints import hint
from harness.core.models import ModelInfo, Price, Provider, Target
from harness.providers.source import ProvidersSource, url_problem
from harness.suite.naming import describe
from harness.suite.yamlmarks import JsonPath
from harness.wire.protocols import (
    DEFAULT_ENDPOINT,
    dialects,
    get_protocol,
    unknown_endpoint_message,
)

PACKAGED = "harness/providers/catalogue.yaml"  # the name errors in the packaged file show
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def unset_variable(value: str, env: Mapping[str, str] | None = None) -> str | None:
    """The first `${VAR}` of `value` that is unset (or empty) and has no default, or None."""
    env = os.environ if env is None else env
    for match in _ENV_RE.finditer(value):
        name, default = match.group(1), match.group(2)
        if not env.get(name) and default is None:
            return name
    return None


def _unset_message(name: str) -> str:
    return f"environment variable {name} is not set (write ${{{name}:-default}} to give a default)"


def interpolate(value: str, where: str, env: Mapping[str, str] | None = None) -> str:
    """Replace ${VAR} / ${VAR:-default}; an unset variable without default is an error."""
    env = os.environ if env is None else env
    missing = unset_variable(value, env)
    if missing is not None:
        raise ProviderConfigError(f"{where}: {_unset_message(missing)}")
    return _ENV_RE.sub(lambda m: env.get(m.group(1)) or m.group(2) or "", value)


@dataclass
class Catalogue:
    """Providers by name; `resolve("provider/model")` gives a Target."""

    providers: dict[str, Provider] = field(default_factory=dict)

    def resolve(self, name: str) -> Target:
        provider_name, sep, model_id = name.partition("/")
        if not sep or not provider_name or not model_id:
            raise UnknownTargetError(
                f"target {name!r} is not of the form provider/model "
                f"(e.g. mistral/mistral-medium-3.5); run `harness targets` to list them"
            )
        provider = self.providers.get(provider_name)
        if provider is None:
            raise UnknownTargetError(
                f"unknown provider {provider_name!r} in target {name!r}"
                + _hint(provider_name, self.providers)
                + "; add it in a providers file (--providers FILE) or run `harness targets`"
            )
        model = provider.models.get(model_id)
        if model is None:
            for candidate in provider.models.values():
                if model_id in candidate.aliases:
                    model = candidate
                    break
        if model is None:
            raise UnknownTargetError(
                f"provider {provider_name!r} has no model {model_id!r}"
                + _hint(model_id, provider.models)
                + f"; known: {', '.join(sorted(provider.models))}"
            )
        return Target(provider=provider, model=model)

    def targets(self) -> list[Target]:
        return [
            Target(provider=p, model=m)
            for p in self.providers.values()
            for m in p.models.values()
        ]


def _hint(name: str, known: Iterable[str]) -> str:
    return hint(name, known, " (did you mean {!r}?)")


_SHADOWED = "\x00earlier-"  # the key of a definition a later file extends under its own name


@dataclass(frozen=True)
class _Entry:
    """One provider as written: its file, its name there and its (schema-checked) mapping."""

    src: ProvidersSource
    key: str
    spec: dict[str, Any]

    @property
    def where(self) -> str:
        return f"provider {self.key!r}"

    def path(self, *rest: Any) -> JsonPath:
        return ("providers", self.key, *rest)

    def subject(self, *rest: Any) -> str:
        """"provider 'x' model 'm' price.input" for `rest` = ("models", "m", "price", "input")."""
        return self.src.names.subject(self.path(*rest))

    def fail(self, message: str, *rest: Any) -> ProviderConfigError:
        """An error at the lines of `rest` (a path inside this provider)."""
        return self.src.fail(message, self.path(*rest))

    def interpolate(self, value: str, env: Mapping[str, str] | None, *rest: Any) -> str:
        missing = unset_variable(value, env)
        if missing is not None:
            raise self.fail(f"{self.where} {rest[0]}: {_unset_message(missing)}", *rest)
        return interpolate(value, self.where, env)


def load_catalogue(
    extra_files: Iterable[str | Path] = (), env: Mapping[str, str] | None = None
) -> Catalogue:
    """The packaged catalogue, then each user file in order (later names override earlier).

    Every file is validated the same way; any problem is a ProviderConfigError naming the file
    and line, with the excerpt.
    """
    packaged = resources.files("harness.providers").joinpath("catalogue.yaml").read_text("utf-8")
    raw: dict[str, _Entry] = {}
    _collect(raw, ProvidersSource.from_text(packaged, PACKAGED))
    for path in extra_files:
        _collect(raw, ProvidersSource.open(path))
    providers: dict[str, Provider] = {}
    for name in raw:
        if _SHADOWED not in name:
            providers[name] = _build(name, raw, env, set())
    return Catalogue(providers)


def _collect(raw: dict[str, _Entry], src: ProvidersSource) -> None:
    for name, spec in src.doc.data["providers"].items():
        spec = spec or {}
        if spec.get("extends") == name and name in raw:
            # `mistral: {extends: mistral, base_url: ...}` in a user file: the earlier
            # definition of the same name, changed in a few keys (a proxy, a gateway, a local
            # simulator) under the name suites and cassettes already use
            hidden = f"{name}{_SHADOWED}{len(raw)}"
            raw[hidden] = raw[name]
            spec = {**spec, "extends": hidden}
        raw[name] = _Entry(src, name, spec)


def _build(name: str, raw: dict[str, _Entry], env: Mapping[str, str] | None,
           seen: set[str]) -> Provider:
    entry = raw[name]
    spec = entry.spec
    base: Provider | None = None
    if "extends" in spec:
        parent = str(spec["extends"])
        if parent not in raw:
            known = [n for n in raw if _SHADOWED not in n]
            raise entry.fail(
                f"{entry.where} extends unknown provider {parent!r}{_hint(parent, known)}",
                "extends",
            )
        if parent in seen or parent == name:
            raise entry.fail(f"{entry.where}: 'extends' forms a cycle", "extends")
        base = _build(parent, raw, env, seen | {name})
    headers = dict(base.headers) if base else {}
    for hname, hvalue in (spec.get("headers") or {}).items():
        headers[hname] = entry.interpolate(str(hvalue), env, "headers", hname)
    secret_headers = spec.get("secret_headers", base.secret_headers if base else ())
    models = dict(base.models) if base else {}
    for model_id, mspec in (spec.get("models") or {}).items():
        models[model_id] = _model(entry, model_id, mspec or {})
    return Provider(
        name=name,
        base_url=_base_url(entry, base, env),
        dialect=_dialect(entry, base),
        api_key_env=spec.get("api_key_env", base.api_key_env if base else None),
        endpoints=_endpoints(entry, base),
        models=models,
        headers=headers,
        secret_headers=tuple(h.lower() for h in secret_headers),
        description=str(spec.get("description", base.description if base else "")),
    )


def _dialect(entry: _Entry, base: Provider | None) -> str:
    dialect = entry.spec.get("dialect", base.dialect if base else None)
    if dialect is None:
        raise entry.fail(
            f"{entry.where} needs a dialect (one of {', '.join(dialects())}), "
            "or extends: a provider that has one"
        )
    if dialect not in dialects():
        raise entry.fail(
            f"{entry.where} dialect must be one of {', '.join(dialects())}, "
            f"got {describe(dialect)}{_hint(dialect, dialects())}",
            "dialect",
        )
    return str(dialect)


def _base_url(entry: _Entry, base: Provider | None, env: Mapping[str, str] | None) -> str:
    if "base_url" not in entry.spec:
        if base is None:
            raise entry.fail(
                f"{entry.where} needs a base_url (or extends: a provider that has one)"
            )
        return base.base_url
    written = entry.spec["base_url"]
    url = entry.interpolate(written, env, "base_url")
    problem = url_problem(url)
    if problem is not None:
        # the interpolated URL is not shown: a variable may carry a key in its query
        shown = f"{written!r}" if url == written else f"{written!r} (after interpolation)"
        raise entry.fail(
            f"{entry.where} base_url {shown} {problem}; it must be an http:// or https:// "
            "URL with a host",
            "base_url",
        )
    return url.rstrip("/")


def _endpoints(entry: _Entry, base: Provider | None) -> dict[str, str]:
    if "endpoints" not in entry.spec:
        if base is not None:
            return dict(base.endpoints)
        return {DEFAULT_ENDPOINT: get_protocol(DEFAULT_ENDPOINT).path}
    endpoints = {}
    for ep, path in (entry.spec["endpoints"] or {}).items():
        problem = unknown_endpoint_message(ep)  # the registered wire protocols decide
        if problem is not None:
            raise entry.fail(f"{entry.where} endpoints: {problem}", "endpoints", ep)
        endpoints[ep] = str(path)
    return endpoints


def _finite(entry: _Entry, value: Any, *rest: Any) -> float | None:
    """A schema-checked number (or None) that must also be finite."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise entry.fail(f"{entry.subject(*rest)} must be a finite number, got {value}", *rest)
    return float(value)


def _model(entry: _Entry, model_id: str, spec: dict[str, Any]) -> ModelInfo:
    at = ("models", model_id)
    pspec = spec.get("price") or {}
    per_call = {
        k: _finite(entry, v, *at, "price", "per_call", k) or 0.0
        for k, v in (pspec.get("per_call") or {}).items()
    }
    price = Price(
        input_per_m=_finite(entry, pspec.get("input"), *at, "price", "input"),
        output_per_m=_finite(entry, pspec.get("output"), *at, "price", "output"),
        cached_input_per_m=_finite(entry, pspec.get("cached_input"), *at, "price", "cached_input"),
        per_call=per_call,
    )
    ranges: dict[str, tuple[float, float]] = {}
    for pname, (lo, hi) in (spec.get("ranges") or {}).items():
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise entry.fail(
                f"{entry.subject(*at, 'ranges', pname)} must be [min, max] with min <= max, "
                f"got [{lo}, {hi}]",
                *at, "ranges", pname,
            )
        ranges[pname] = (float(lo), float(hi))
    return ModelInfo(
        id=model_id,
        price=price,
        context_window=int(spec["context_window"]) if spec.get("context_window") else None,
        max_output=int(spec["max_output"]) if spec.get("max_output") else None,
        ranges=ranges,
        input_modalities=tuple(spec.get("input") or ("text",)),
        aliases=tuple(spec.get("aliases") or ()),
        notes=str(spec.get("notes", "")),
    )


def with_base_url(provider: Provider, base_url: str) -> Provider:
    """A copy of `provider` pointing at another base URL (used to aim at the simulator)."""
    return replace(provider, base_url=base_url.rstrip("/"))
