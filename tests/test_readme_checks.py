"""The README's "Writing checks" example: registered, named in its suite, run on the simulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import harness
from harness.checks import CHECKS
from harness.suite import load_suite_text

ROOT = Path(__file__).resolve().parents[1]
CHECK_NAME = "max_words"


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "### Writing checks" in text, "README: a 'Writing checks' section"
    return text.split("### Writing checks", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def _fenced(lang: str) -> str:
    match = re.search(rf"```{lang}\n(.*?)```", _section(), re.DOTALL)
    assert match, f"README: the Writing checks section has a ```{lang} example"
    return match.group(1)


def register_readme_check() -> None:
    """Run the README's check example once per process (a second registration is an error)."""
    if CHECK_NAME in CHECKS:
        return
    exec(compile(_fenced("python"), "README.md", "exec"), {})  # noqa: S102 - our own README


def test_the_section_documents_the_check_api() -> None:
    section = _section()
    for name in ("ctx.job", "ctx.normalized", "ctx.sent", "ctx.cost_usd", "ctx.state",
                 "exchange", "CheckFailure", "register_check", "validate_args"):
        assert name in section, name


def test_the_readme_check_runs_in_its_suite(tmp_path: Path) -> None:
    register_readme_check()
    suite = tmp_path / "brevity.yaml"
    suite.write_text(_fenced("yaml"), encoding="utf-8")
    result = harness.run(suite, targets="mistral/mistral-medium-3.5", simulate=True,
                         sim_latency_ms=0, out=tmp_path / "out")
    by_case = {r["case"]: r for r in result.records}
    assert set(by_case) == {"short_greeting", "one_word"}
    assert by_case["short_greeting"]["passed"] is True
    failed = by_case["one_word"]
    assert failed["passed"] is False
    [failure] = failed["failures"]
    assert failure["check"] == CHECK_NAME and failure["title"].startswith("the answer has ")
    assert failure["expected"] == "at most 1 words" and failure["received"] > 1
    assert not result.passed and result.exit_code == 1


def test_the_readme_check_rejects_bad_arguments_at_load() -> None:
    register_readme_check()
    text = _fenced("yaml").replace("max_words: 1", "max_words: lots")
    with pytest.raises(harness.UsageError, match="positive integer"):
        load_suite_text(text, "brevity.yaml")


def test_a_returned_failure_counts_like_a_raised_one() -> None:
    from harness.checks.base import run_check
    from harness.core.models import Case, Exchange, Job, Target

    name = "test_readme_checks_returned"
    if name not in CHECKS:
        CHECKS.register(name, lambda ctx, exchange, args: harness.CheckFailure("nope"))
    job = Job(case=Case(suite="s", id="c", request={}, expect=[]),
              target=Target(provider="mistral", model="m"), request={})
    ctx = harness.CheckContext(job=job, normalized=None, sent={})
    failure = run_check(name, ctx, Exchange(method="POST", url="u", request_headers={},
                                            request_body={}), None)
    assert failure is not None and failure.check == name and failure.title == "nope"
