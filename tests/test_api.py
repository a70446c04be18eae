"""harness.run(...): the README's example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import harness

ROOT = Path(__file__).resolve().parents[1]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README: the Python API section has a ```python example"
    return match.group(1)


def test_the_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    code = _readme_example().replace('out="reports"', f'out="{tmp_path}"')
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    result = namespace["result"]
    assert isinstance(result, harness.RunResult)
    assert result.passed and result.exit_code == 0
    assert result.run_dir.parent == tmp_path and (result.run_dir / "results.jsonl").is_file()
    frame = result.rows
    assert list(frame.columns[: len(harness.RESULT_COLUMNS)]) == [
        c[0] for c in harness.RESULT_COLUMNS]
    assert str(frame["passed"].dtype) == "boolean" and len(frame) == len(result.records)
    assert "PASS:" in capsys.readouterr().out  # the example prints the verdict


def test_a_failing_run_gives_exit_code_1_and_bad_input_raises(tmp_path: Path) -> None:
    suite = tmp_path / "zebra.yaml"
    suite.write_text("suite: z\ncases:\n  - id: zebra\n    request: {messages: [{role: user, "
                     "content: hi}]}\n    expect: [{contains: zebra-not-said}]\n")
    result = harness.run(suite, targets="mistral/mistral-medium-3.5", simulate=True,
                         sim_latency_ms=0, out=tmp_path / "out")
    assert not result.passed and result.exit_code == 1
    assert result.lines[-1].startswith("FAIL: 0/1 jobs passed")
    with pytest.raises(harness.UsageError, match="did you mean"):
        harness.run(suite, targets="mistral/mistral-medium-35", out=tmp_path / "out")
