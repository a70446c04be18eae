"""Checks: one registry of small functions, each judging one aspect of an exchange."""

from __future__ import annotations

# Importing the modules registers the built-in checks.
from harness.checks import builtin as _builtin  # noqa: F401
from harness.checks import param_range as _param_range  # noqa: F401
from harness.checks import repeats as _repeats  # noqa: F401
from harness.checks.base import (
    CHECKS,
    CheckContext,
    get_check,
    register_check,
    run_check,
    validate_check_args,
)

__all__ = [
    "CHECKS",
    "CheckContext",
    "get_check",
    "register_check",
    "run_check",
    "validate_check_args",
]
