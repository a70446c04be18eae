"""shadow_report over pair logs: files written and escaped, hash logs keep no text, the gate
passes and fails, parquet is readable, bad input is a UsageError naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.shadow.gate import explain, load_gate
from harness.shadow.parquet import COLUMNS
from harness.shadow.report import shadow_report
from tests.shadow.synth import make_records, write_log

HOSTILE = ('<script>alert("x")</script></pre><img src=x onerror=alert(1)> | ``` '
           "</section><!-- PRIVATE-7731 -->")
STATS = {"requests": 9000, "skipped_sampling": 8000, "skipped_queue_full": 12,  # the proxy's
         "candidate_errors": 3, "mirrored": 300, "in_flight": 0, "primary": "mistral/medium",
         "options": {"sample": 0.1}}


def _gate(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shadow-gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_files_are_written_into_the_log_folder_and_an_identical_candidate_passes(
        tmp_path: Path) -> None:
    write_log(tmp_path, make_records(300, 1, "identical"), "full", STATS)
    verdict, text = shadow_report(tmp_path)
    assert verdict.exit_code == 0 and verdict.passed
    for name in ("shadow.md", "shadow.json", "report.html", "pairs.parquet"):
        assert (tmp_path / name).is_file()
    assert text.startswith("shadow report: PASS: 300 pairs, 0 fields beyond noise")
    assert "sampling 8000" in text and "queue full 12" in text and "candidate errors 3" in text
    assert "proxy stats: requests 9000, mirrored 300, in_flight 0" in text
    data = json.loads((tmp_path / "shadow.json").read_text())
    assert data["pairs"] == 300 and data["verdict"]["verdict"] == "PASS"
    assert data["skipped"]["queue_full"] == 12 and data["stats"]["requests"] == 9000
    assert data["noise"]["noise_known"] and data["noise"]["flagged"] == []
    assert {a["role"] for a in data["arms"]} == {"primary", "candidate", "secondary"}
    assert data["latency_ratio"]["p50"]["ratio"] == pytest.approx(1.0)
    assert data["cost"]["delta_usd"] == pytest.approx(0.0) and data["worst"] == []


def test_a_changed_tool_argument_fails_the_gate_and_is_shown(tmp_path: Path) -> None:
    write_log(tmp_path / "log", make_records(400, 2, "tool_arg"), "full")
    verdict, text = shadow_report(tmp_path / "log" / "pairs.jsonl", out=tmp_path / "out")
    assert verdict.exit_code == 1
    assert "tool_args: candidate 100.00%" in text
    md = (tmp_path / "out" / "shadow.md").read_text()
    assert "## Beyond-noise differences (ranked)\n\n1. tool_args" in md
    assert "`get_weather#0.city` value:" in md and "`Atlantis`" in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'data-field="tool_args" data-flagged="true"' in html
    assert html.count('<details class="pair failure">') == 10
    quiet = shadow_report(tmp_path / "log", out=tmp_path / "out", quiet=True)[1]
    assert quiet.count("\n") == 2 and "gate max_flagged_fields: FAIL" in quiet


def test_gate_file_keys(tmp_path: Path) -> None:
    write_log(tmp_path, make_records(400, 3, "drop_key"), "full")
    ignore = _gate(tmp_path, "fields:\n  json: {ignore: true}\n")
    assert shadow_report(tmp_path, gate=ignore)[0].exit_code == 0
    allow = _gate(tmp_path, "max_flagged_fields: 1\nfields: {json: {max_rate: 0.9}}\n")
    verdict = shadow_report(tmp_path, gate=allow)[0]
    assert verdict.exit_code == 1  # the json rate is 100% > 90%
    assert [c.name for c in verdict.checks if c.status == "FAIL"] == ["fields.json.max_rate"]
    few = _gate(tmp_path, "min_pairs: 10000\nfields: {json: {ignore: true}}\n")
    assert shadow_report(tmp_path, gate=few)[0].exit_code == 1
    loose = _gate(tmp_path, "absolute_threshold: 1.0\n")  # nothing can beat 100 pp
    assert shadow_report(tmp_path, gate=loose)[0].exit_code == 0
    unapplied = _gate(tmp_path, "fields: {json: {ignore: true}, tool_args: {max_excess: 0}}\n")
    (check,) = [c for c in shadow_report(tmp_path, gate=unapplied)[0].checks
                if c.name == "fields.tool_args.max_excess"]
    assert check.status == ("FAIL" if check.value != "0.00%" else "PASS")
    assert "max_flagged_fields: 0" in explain() and "relative_threshold: 0.2" in explain()


def test_without_a_secondary_the_report_says_the_floor_is_unknown(tmp_path: Path) -> None:
    write_log(tmp_path, make_records(200, 4, "identical", secondary_share=0.0), "hash")
    verdict, text = shadow_report(tmp_path)
    assert verdict.exit_code == 0 and "noise floor UNKNOWN" in text
    need = _gate(tmp_path, "require_secondary: true\n")
    assert shadow_report(tmp_path, gate=need)[0].exit_code == 1


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    write_log(tmp_path, make_records(60, 5, "random", text=lambda i: HOSTILE), "full")
    shadow_report(tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "<script>alert" not in html and "<img" not in html and "PRIVATE-7731 -->" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x" in html  # shown, as text
    assert html.count("<script>") == 1 and html.count("</section>") == html.count("<section")
    md = (tmp_path / "shadow.md").read_text()
    assert "<script>" not in md and "<img" not in md  # no raw markup at all (fmt.md_code) ...
    assert "&lt;script&gt;alert(" in md  # ... shown as text
    data = json.loads((tmp_path / "shadow.json").read_text())
    texts = [w["arms"]["primary"].get("text") for w in data["worst"]]
    assert HOSTILE in texts  # full logs show the text excerpt (as data)


def test_a_hash_log_has_diffs_and_no_text(tmp_path: Path) -> None:
    write_log(tmp_path, make_records(300, 6, "finish", text=lambda i: HOSTILE), "hash")
    raw = (tmp_path / "pairs.jsonl").read_text()
    assert "PRIVATE-7731" not in raw and '"finish_reason":{"differs":true' in raw
    verdict, text = shadow_report(tmp_path)
    assert verdict.exit_code == 1 and "finish_reason: candidate" in text
    assert "hashes and lengths of text" in text
    for name in ("shadow.md", "shadow.json", "report.html"):
        assert "PRIVATE-7731" not in (tmp_path / name).read_text()
    data = json.loads((tmp_path / "shadow.json").read_text())
    arm = data["worst"][0]["arms"]["primary"]
    assert "text" not in arm and len(arm.get("text_sha256") or "") in (0, 64)
    import pandas as pd

    frame = pd.read_parquet(tmp_path / "pairs.parquet")
    assert frame["primary_text"].isna().all() and frame["primary_text_sha256"].notna().any()


def test_diffs_are_computed_when_the_log_has_none(tmp_path: Path) -> None:
    records = make_records(400, 7, "tool_arg")
    for r in records:
        r.diffs = {}
    write_log(tmp_path, records, "full")
    verdict, text = shadow_report(tmp_path)
    assert verdict.exit_code == 1 and "tool_args: candidate 100.00%" in text


def test_parquet_has_one_row_per_pair_with_per_arm_columns(tmp_path: Path) -> None:
    import pandas as pd

    write_log(tmp_path, make_records(120, 8, "tool_arg", secondary_share=0.5), "full")
    shadow_report(tmp_path)
    frame = pd.read_parquet(tmp_path / "pairs.parquet")
    assert list(frame.columns) == [name for name, _, _ in COLUMNS]
    assert len(frame) == 120 and frame["pair_id"].is_unique
    assert set(frame["candidate_target"]) == {"openai/gpt-x"}
    tools = frame[frame["candidate_tool_names"] == "get_weather"]
    assert len(tools) and tools["cand_tool_args_differs"].all()
    assert frame["secondary_status"].isna().any() and frame["secondary_status"].notna().any()
    assert frame["cand_json_differs"].isna().any()  # null: the field did not apply


def test_bad_input_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no pair log at .*missing"):
        shadow_report(tmp_path / "missing")
    write_log(tmp_path, make_records(10, 9), "full")
    bad = _gate(tmp_path, "max_flaged_fields: 0\n")
    with pytest.raises(UsageError, match=r"shadow-gate.yaml: line 1: unknown key "
                                         r"'max_flaged_fields'; did you mean 'max_flagged_fields'"):
        shadow_report(tmp_path, gate=bad)
    field = _gate(tmp_path, "fields:\n  tool_arg: {max_rate: 0.1}\n")
    with pytest.raises(UsageError, match="unknown field 'tool_arg'; did you mean 'tool_args'"):
        load_gate(field)
    sub = _gate(tmp_path, "fields: {text: {max_rat: 0.1}}\n")
    with pytest.raises(UsageError, match="did you mean 'max_rate'"):
        load_gate(sub)
    value = _gate(tmp_path, "absolute_threshold: 2\n")
    with pytest.raises(UsageError, match="absolute_threshold must be between 0 and 1"):
        load_gate(value)
    with pytest.raises(UsageError, match="cannot read the shadow gate file"):
        load_gate(tmp_path / "nope.yaml")
    assert not (tmp_path / "shadow.md").exists()  # a bad gate fails before writing
