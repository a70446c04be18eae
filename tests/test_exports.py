from __future__ import annotations

import subprocess
import sys

import harness


def test_all_is_sorted_and_resolves() -> None:
    # isort order (ruff RUF022): CONSTANTS, then Classes, then functions, each alphabetical
    def key(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), not name[0].isupper(), name)

    assert harness.__all__ == sorted(harness.__all__, key=key)
    for name in harness.__all__:
        assert getattr(harness, name) is not None, name


def test_builtin_check_names_are_registered() -> None:
    from harness.checks import CHECKS

    expected = {
        "status", "error_envelope", "body_schema", "usage", "cost_usd", "latency_ms",
        "finish_reason", "contains", "not_contains", "regex", "equals", "tool_call",
        "no_tool_call", "json_output", "param_range", "same_across_repeats",
    }
    assert expected <= set(CHECKS.names())


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from harness.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'httpx', 'aiohttp', 'jsonschema', 'vcr') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_type_checkers_see_the_real_type_of_every_export() -> None:
    # the facade loads names lazily, but its `if TYPE_CHECKING:` block imports each one from
    # where it lives, so IDEs and mypy see real types; keep it and __all__ the same list
    import ast
    from pathlib import Path

    tree = ast.parse(Path(harness.__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))
    typed = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            typed[alias.name] = node.module
    assert sorted(typed) == sorted(harness.__all__)
    for name, module in typed.items():
        assert getattr(harness, name) is getattr(__import__(module, fromlist=[name]), name), name


def test_public_api_is_exactly_this() -> None:
    assert set(harness.__all__) == {
        "RESULT_COLUMNS", "Case", "CheckContext", "CheckFailure", "CheckSpec", "Exchange",
        "GateSpec", "GateVerdict", "HarnessError", "Job", "Outcome", "ResultRow", "Run", "RunPlan", "RunResult",
        "RunSettings", "SimConfig", "SimServer", "SuiteError", "Target", "UsageError",
        "WireProtocol", "evaluate", "expand", "gate", "load_catalogue", "load_run", "load_suite",
        "load_suites", "plan_run", "read_results", "register_check", "register_protocol",
        "run", "run_jobs",
    }
