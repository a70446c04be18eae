"""run.json's fingerprints: shards of one plan share the plan fingerprint, other runs do not."""

from __future__ import annotations

import json
from pathlib import Path

from harness.session import Run, RunSettings, plan_run

SUITE = """suite: s
cases:
{cases}
"""
CASE = """  - id: c{i}
    request: {{messages: [{{role: user, content: "hi {i}"}}], max_tokens: 8}}
"""
TARGETS = ("mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1")


def _run(tmp_path: Path, text: str, **changes: object) -> dict:
    suite = tmp_path / "s.yaml"
    suite.write_text(text, encoding="utf-8")
    settings = RunSettings(suites=(str(suite),), targets=TARGETS, simulate=True,
                           sim_latency_ms=0, out=str(tmp_path / "out")).but(**changes)
    with Run(plan_run(settings)) as run:
        run.run_all()
        outcome = run.finish()
    return json.loads((outcome.run_dir / "run.json").read_text())


def test_shards_share_the_plan_and_a_changed_suite_does_not(tmp_path: Path) -> None:
    text = SUITE.format(cases="".join(CASE.format(i=i) for i in range(6)))
    one = _run(tmp_path, text, shard=(1, 2))
    two = _run(tmp_path, text, shard=(2, 2))
    assert one["shard"] == [1, 2] and two["shard"] == [2, 2]
    assert one["jobs"] + two["jobs"] == 12
    assert one["fingerprints"] == two["fingerprints"]
    whole = _run(tmp_path, text)
    assert whole["fingerprints"]["suites"] == one["fingerprints"]["suites"]
    assert whole["fingerprints"]["plan"] != one["fingerprints"]["plan"]  # 1 shard, not 2
    changed = _run(tmp_path, text.replace("max_tokens: 8", "max_tokens: 9", 1))
    assert changed["fingerprints"]["suites"] != whole["fingerprints"]["suites"]
    assert changed["fingerprints"]["prices"] == whole["fingerprints"]["prices"]
    reformatted = _run(tmp_path, text.replace("  - id:", "  -   id:").replace("    request", "      request"))
    assert reformatted["fingerprints"] == whole["fingerprints"]
