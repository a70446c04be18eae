"""--max-response-bytes holds for replayed answers too: a recorded body over the cap is the
row's `too_large` (never passed), as the same answer live would be."""

from __future__ import annotations

from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[2]


def test_a_recorded_body_over_the_cap_is_too_large(tmp_path: Path) -> None:
    kw = {"targets": "mistral/mistral-medium-3.5", "mode": "replay",
          "cassettes": ROOT / "cassettes", "out": tmp_path}
    small = harness.run(ROOT / "suites" / "basic.yaml", max_response_bytes=64, **kw)
    rows = [r for r in small.records if r["status_code"] is not None or r["error_class"]]
    assert rows and all(r["error_class"] == "too_large" and not r["passed"] for r in rows)
    assert "over --max-response-bytes 64 bytes" in rows[0]["error_message"]
    whole = harness.run(ROOT / "suites" / "basic.yaml", **kw)
    assert all(r["passed"] for r in whole.records)
