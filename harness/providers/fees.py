"""Per-call fees (web search, ...) of a request: one rule for both price sources (the
catalogue's prices in providers/pricing.py and per-token tables in providers/rates.py)."""

from __future__ import annotations

from typing import Any

from harness.core.models import ModelInfo

__all__ = ["per_call_fees"]


def per_call_fees(model: ModelInfo, request: dict[str, Any]) -> tuple[float, list[str]]:
    """Fees that apply per call, from what the request enabled.

    Web search (`extra.web_search_linkup: true` on the EmpirioLabs gateway) is billed "per call
    when invoked"; the gateway's response does not report whether it searched, so an enabled
    search is counted as one call (an upper bound).
    """
    fees = 0.0
    notes: list[str] = []
    extra = request.get("extra") or {}
    if extra.get("web_search_linkup") or request.get("web_search_linkup"):
        fee = model.price.per_call.get("web_search")
        if fee is not None:
            fees += fee
            notes.append(f"web_search ${fee}")
    return fees, notes
