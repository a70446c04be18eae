"""The check registry and the context every check receives.

A check is a small function `(ctx, exchange, args) -> None` registered by name. It returns
quietly when the response honours the contract and raises `CheckFailure(title, expected=...,
received=...)` when it does not (returning the CheckFailure instead counts the same). Users register their own checks the same way:

    from harness.checks import register_check

    @register_check("has_greeting")
    def has_greeting(ctx, exchange, args):
        ...

A check may declare `validate_args(args) -> None` (attribute on the function) to reject bad
arguments at suite-load time with a clear message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.core.errors import CheckFailure, UnknownCheckError, UsageError
from harness.core.models import Exchange, Job, Normalized, Target
from harness.core.registry import Registry


class CheckFn(Protocol):
    def __call__(self, ctx: CheckContext, exchange: Exchange, args: Any) -> CheckFailure | None: ...


@dataclass
class CheckContext:
    """What a check may read besides the exchange."""

    job: Job
    normalized: Normalized | None  # None when the body is not a success response
    sent: Any  # the body actually sent after dialect translation
    cost_usd: float | None = None  # None = unknown (a price or the usage is missing)
    cost_note: str = ""  # why the cost is unknown, or how it was made
    extra: dict[str, Any] = field(default_factory=dict)
    # the run's scoped state, shared by the jobs of one run (held by the session's Run, never
    # a module global): a check that compares jobs keeps its memory under its own name here
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        return self.job.target

    @property
    def request(self) -> dict[str, Any]:
        """The canonical request (OpenAI spelling) of the case, variant applied."""
        return self.job.request


CHECKS: Registry[CheckFn] = Registry("check")


def register_check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `name` (a duplicate name is an error)."""
    return CHECKS.decorator(name)


def get_check(name: str) -> CheckFn:
    """Return the check called `name`; a `module:function` path imports and registers it."""
    fn = CHECKS.get(name)
    if fn is not None:
        return fn
    if ":" in name:
        return _import_check(name)
    hint = CHECKS.suggest(name)
    msg = f"unknown check {name!r}"
    if hint:
        msg += f"; did you mean {hint!r}?"
    msg += f" Known checks: {', '.join(CHECKS.names())}."
    raise UnknownCheckError(msg)


def _import_check(path: str) -> CheckFn:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownCheckError(f"cannot import user check {path!r}: {exc}") from None
    fn = getattr(module, attr, None)
    if fn is None or not callable(fn):
        raise UnknownCheckError(f"user check {path!r}: module has no callable {attr!r}")
    if path not in CHECKS:
        CHECKS.register(path, fn)
    return fn  # type: ignore[no-any-return]


def validate_check_args(name: str, args: Any) -> None:
    """Raise UsageError if the check rejects its arguments (called by the suite loader)."""
    fn = get_check(name)
    validator = getattr(fn, "validate_args", None)
    if validator is not None:
        try:
            validator(args)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"check {name!r}: {exc}") from None


def run_check(name: str, ctx: CheckContext, exchange: Exchange, args: Any) -> CheckFailure | None:
    """Run one check; return its failure (with the check name filled in) or None."""
    fn = get_check(name)
    try:
        returned = fn(ctx, exchange, args)
    except CheckFailure as failure:
        returned = failure
    if isinstance(returned, CheckFailure):  # raised or returned: the same failure
        returned.check = returned.check or name
        return returned
    return None
