"""`harness audit`: judge recorded traffic (vcrpy cassettes) against the contract checks.

    from harness.audit import AuditOptions, Prices, audit_paths
    result = audit_paths(["cassettes/"], AuditOptions(prices=Prices(books=[...])))
    result.rows        # one result row per recorded interaction (mode "audit")

Modules: `reader` (cassette files under folders -> `Recorded`, on top of the one cassette
reader `harness.record.reader`: stock vcrpy and pydantic-ai formats, gzip bodies, `#stream`),
`detect` (provider, dialect and endpoint of an interaction), `pipeline` (Job + Exchange +
the checks that apply -> checks.evaluate -> row).
"""

from harness.audit.detect import Detected, detect
from harness.audit.pipeline import (
    MODE,
    AuditOptions,
    AuditResult,
    Prices,
    audit_paths,
    audit_recorded,
    available_specs,
    contract_checks,
    plan,
)
from harness.audit.reader import CassetteError, Recorded, find_cassettes, read_cassette

__all__ = [
    "MODE",
    "AuditOptions",
    "AuditResult",
    "CassetteError",
    "Detected",
    "Prices",
    "Recorded",
    "audit_paths",
    "audit_recorded",
    "available_specs",
    "contract_checks",
    "detect",
    "find_cassettes",
    "plan",
    "read_cassette",
]
