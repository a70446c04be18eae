"""Suite bombs are refused with file, line and limit: aliases, depth, size, jobs (limits.py)."""

from __future__ import annotations

import importlib.util
import resource
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from harness.cli.main import main
from harness.core.errors import SuiteError, UsageError
from harness.core.models import Case
from harness.suite import expand, limits, load_suite, load_suite_text, yamlmarks
from harness.suite.expand import count_jobs
from tests.suite.conftest import make_target

ROOT = Path(__file__).resolve().parents[2]


def _bench_bombs() -> ModuleType:
    """bench/bombs.py (bench/ is not a package): the bench's own bomb files."""
    spec = importlib.util.spec_from_file_location("bench_bombs", ROOT / "bench" / "bombs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bombs = _bench_bombs()

HI = "messages: [{role: user, content: hi}]"
TARGET = make_target("p", "m")


def _refused(text: str, name: str = "bomb.yaml") -> SuiteError:
    with pytest.raises(SuiteError) as err:
        load_suite_text(text, name)
    return err.value


def test_billion_laughs_is_refused_at_the_alias_line() -> None:
    err = _refused(bombs.billion_laughs())
    assert str(err).startswith(
        "bomb.yaml: line 7: aliases expand to more than 200,000 nodes (the anchor at line 7 "
        "holds 400,001+ nodes and is repeated 9 times by aliases); a suite may expand at most "
        "200,000 nodes through aliases and merge keys\n")
    assert err.line == 7 and err.path == "bomb.yaml"


def test_billion_laughs_stays_small_under_an_address_space_limit() -> None:
    code = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT / "bench")!r})
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        import bombs
        from harness.core.errors import SuiteError
        from harness.suite import load_suite_text
        for text in (bombs.billion_laughs(), bombs.nested(100_000), bombs.merge_chain()):
            try:
                load_suite_text(text, "b.yaml")
            except SuiteError as exc:
                print(str(exc).splitlines()[0])
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "aliases expand to more than 200,000 nodes" in lines[0]
    assert "nested deeper than 100 levels" in lines[1]
    assert "aliases expand to more than 200,000 nodes" in lines[2] or "nested deeper" in lines[2]
    assert int(lines[3]) < 1024 * 1024  # KiB: well under 1 GiB peak


def test_the_builder_bounds_what_the_count_cannot_see(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlmarks, "check_aliases", lambda node: None)
    err = _refused(bombs.billion_laughs())
    assert "aliases expand to more than 200,000 nodes (an alias used at line" in str(err)


def test_ordinary_aliases_and_merges_still_work() -> None:
    suite = load_suite_text(textwrap.dedent(f"""
        defaults:
          request: &base {{max_tokens: 8, {HI}}}
        cases:
          - id: a
            request: {{<<: *base, temperature: 0}}
          - id: b
            request: *base
    """), "ok.yaml")
    assert [c.request["max_tokens"] for c in suite.cases] == [8, 8]


@pytest.mark.parametrize("depth", [500, 100_000])
def test_deep_nesting_is_refused_at_its_line_without_recursion(depth: int) -> None:
    err = _refused(bombs.nested(depth))
    assert str(err).startswith(
        "bomb.yaml: line 5: nested deeper than 100 levels (mappings and lists inside each "
        "other); a suite may nest at most 100 levels\n")
    assert err.line == 5


def test_deep_block_nesting_is_refused_too() -> None:
    text = f"cases:\n  - id: a\n    request:\n      {HI}\n      extra:\n" + "".join(
        "  " * (i + 4) + "- \n" for i in range(150))
    err = _refused(text)
    assert "nested deeper than 100 levels" in str(err) and err.line is not None


def test_nesting_just_under_the_limit_loads() -> None:
    suite = load_suite_text(bombs.nested(94), "ok.yaml")
    value = suite.cases[0].request["extra"]["deep"]
    for _ in range(93):
        (value,) = value
    assert value == []


def test_aliases_cannot_nest_deeper_than_the_text_does() -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i}\n  - *a{i - 1}" for i in range(1, 150)]
    err = _refused("\n".join(lines) + "\ncases: [{id: a}]\n")
    assert "nested deeper than 100 levels" in str(err)


def test_a_chain_of_merge_keys_is_bounded() -> None:
    err = _refused(bombs.merge_chain())
    assert "nested deeper than 100 levels" in str(err) or "aliases expand" in str(err)


def test_a_syntax_error_after_ordinary_nesting_keeps_its_message() -> None:
    err = _refused("cases:\n  - id: a\n    request: {a: [1, 2}\n")
    assert str(err).startswith("bomb.yaml: line 3: invalid YAML")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MiB of NULs, never read
    with pytest.raises(SuiteError) as err:
        load_suite(big)
    assert str(err.value) == (
        f"{big}: the file is 50 MiB, over the limit of 16 MiB for a suite file (split it "
        "into several suites)")


def test_a_small_limit_names_the_size_in_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.suite import source

    monkeypatch.setattr(source, "MAX_SUITE_BYTES", 64)
    file = tmp_path / "s.yaml"
    file.write_text("cases:\n" + "  - id: a\n" * 20)
    with pytest.raises(SuiteError, match=r"s.yaml: the file is 207 bytes, over the limit of 64 bytes "):
        load_suite(file)


def test_text_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.suite import source

    monkeypatch.setattr(source, "MAX_SUITE_BYTES", 10)
    with pytest.raises(SuiteError, match=r"^t.yaml: the file is 22 characters, over the limit of 10 bytes "):
        load_suite_text("cases:\n  - id: abcdef\n", "t.yaml")


def test_a_wide_matrix_is_refused_at_load_naming_the_case_and_count() -> None:
    err = _refused(bombs.matrix())
    assert str(err).startswith(
        "bomb.yaml: line 5-12: case 'wide' expands to 10,000,000 jobs per target (matrix "
        "10 x 10 x 10 x 10 x 10 x 10 x 10 = 10,000,000 variants, repeat 1), over the limit of "
        "10,000 jobs per case; raise it with --max-jobs N if you mean it\n")


def test_repeat_counts_too_and_the_limit_can_be_raised() -> None:
    text = f"cases:\n  - id: r\n    repeat: 300\n    request: {{{HI}}}\n    matrix:\n" \
           "      temperature: [0, 0.5, 1]\n      top_p: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, " \
           "0.8, 0.9, 1.0, 0.05, 0.15]\n"
    err = _refused(text)
    assert "case 'r' expands to 10,800 jobs per target (matrix 3 x 12 = 36 variants, repeat " \
           "300)" in str(err)
    suite = load_suite_text(text, "ok.yaml", max_jobs=20_000)
    assert suite.cases[0].repeat == 300
    err2 = _refused(text.replace("    matrix:", "    x: 1\n    matrix:"))
    assert "unknown key" in str(err2)


def test_a_repeat_from_the_defaults_points_at_the_defaults() -> None:
    text = f"defaults: {{repeat: 1000}}\ncases:\n  - id: r\n    request: {{{HI}}}\n"
    with pytest.raises(SuiteError) as err:
        load_suite_text(text, "r.yaml", max_jobs=500)
    assert err.value.line == 1
    assert "case 'r' expands to 1,000 jobs per target" in str(err.value)


def test_the_pytest_flag_is_named_when_given() -> None:
    with pytest.raises(SuiteError, match="raise it with --harness-max-jobs N"):
        load_suite_text(bombs.matrix(), "m.yaml", jobs_flag="--harness-max-jobs")


def _case(**kw: object) -> Case:
    return Case(suite="s", id="c", request={"messages": []}, **kw)  # type: ignore[arg-type]


def test_expand_counts_before_it_makes_a_job() -> None:
    wide = _case(matrix={f"extra.k{i}": list(range(10)) for i in range(7)})
    with pytest.raises(UsageError, match=r"case s::c expands to 10,000,000 jobs per target"):
        expand(wide, [TARGET])
    cases = [_case(repeat=10_000) for _ in range(101)]
    with pytest.raises(UsageError, match=r"the run expands to more than 1,000,000 jobs "
                                         r"\(1,010,000 by case s::c\)"):
        expand(cases, [TARGET])
    assert len(expand(_case(repeat=3), [TARGET], max_jobs=3)) == 3


def test_count_jobs_counts_endpoints_per_target() -> None:
    case = _case(matrix={"endpoint": ["chat", "responses"], "temperature": [0, 1]}, repeat=2)
    served = len([e for e in ("chat", "responses") if e in TARGET.provider.endpoints])
    assert count_jobs(case, [TARGET]) == served * 2 * 2
    assert len(expand(case, [TARGET])) == served * 2 * 2


def test_validate_and_run_take_max_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "wide.yaml"
    file.write_text(bombs.matrix())
    assert main(["validate", str(file)]) == 2
    assert "raise it with --max-jobs N" in capsys.readouterr().err
    assert main(["validate", str(file), "--max-jobs", "10000000"]) == 0
    assert "10000000 requests per target" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(file), "--simulate", "--target", "mistral/mistral-medium-3.5",
              "--max-jobs", "0", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "argument --max-jobs: must be >= 1, got 0" in capsys.readouterr().err


def test_the_limits_are_what_the_docs_say() -> None:
    assert limits.MAX_SUITE_BYTES == 16 * 1024 * 1024
    assert limits.MAX_DEPTH == yamlmarks.MAX_DEPTH == 100
    assert limits.run_job_limit(limits.MAX_CASE_JOBS) == 1_000_000
    assert limits.size_text(52428800) == "50 MiB" and limits.size_text(1536 * 1024) == "1.5 MiB"
    assert limits.size_text(2048) == "2 KiB"
    assert resource.RLIMIT_AS  # the memory test above relies on it
