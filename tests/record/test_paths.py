"""Cassette paths: every name trick stays under --cassettes, over real HTTP (the simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.main import main
from harness.core.errors import ProviderConfigError, SuiteError
from harness.core.paths import PathEscapeError
from harness.engine.results import read_results
from harness.providers.catalogue import load_catalogue
from harness.record.cassette import cassette_path, load_cassette
from harness.sim import SimConfig, SimServer
from harness.suite import load_suite

BUNDLED = Path(__file__).resolve().parents[2] / "cassettes"
LONG_ID = "c" * 300
# (a model id '.' or '..' is refused by the providers file's schema, with its line: see
# tests/providers/test_providers_schema.py; '../../up' is a legal id that must stay contained)
TRICKY_MODELS = ["../../up", "a\\b", "Mixed/Case", "mixed/case", "météo", "m__x=1", "x/.."]


@pytest.mark.parametrize("suite", [".", "..", "../../x", "a/b", "a\\b", "", "\x00", "日本"])
@pytest.mark.parametrize("case", [".", "..", "x/../../..", LONG_ID])
def test_every_name_trick_stays_under_the_root(tmp_path: Path, suite: str, case: str) -> None:
    root = tmp_path / "cassettes"
    for target in ["../p/m", "p/../../m", "./..", "p/" + "m" * 300]:
        path = cassette_path(root, suite, case, target, "v=../../x")
        assert root in path.parents
        assert ".." not in path.relative_to(root).parts
        assert all(len(part) <= 255 for part in path.parts)


def test_the_bundled_cassettes_keep_their_file_names() -> None:
    files = sorted(BUNDLED.rglob("*.yaml"))
    assert len(files) > 100
    for file in files:
        meta = load_cassette(file).metadata
        assert cassette_path(BUNDLED, meta["suite"], meta["case"], meta["target"],
                             meta.get("variant") or "") == file


def test_a_model_with_the_variant_separator_does_not_meet_a_variant(tmp_path: Path) -> None:
    assert cassette_path(tmp_path, "s", "c", "p/m__x=1") != cassette_path(
        tmp_path, "s", "c", "p/m", "x=1")


def test_names_differing_in_case_or_beyond_the_bound_get_distinct_files(tmp_path: Path) -> None:
    paths = {cassette_path(tmp_path, "s", cid, "p/m") for cid in
             ["Case", "case", "c" * 300 + "1", "c" * 300 + "2"]}
    assert len(paths) == 4


def test_an_escaping_join_is_a_bug_not_a_silent_write(tmp_path: Path) -> None:
    from harness.core.paths import contained

    with pytest.raises(PathEscapeError):
        contained(tmp_path, "..", "x.yaml")


def test_a_suite_file_named_dots_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "...yaml"  # its stem is '..'
    bad.write_text("cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n")
    with pytest.raises(SuiteError) as err:
        load_suite(bad)
    assert str(err.value).startswith(
        f"{bad}: line 1: the suite name '..' (the file name without extension) is not usable "
        "as a name ('.' and '..' mean folders); name the suite with a 'suite:' line")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("suite: '..'\ncases:\n  - id: a\n", 1, "suite name '..' is not usable as a name"),
    ("suite: '.'\ncases:\n  - id: a\n", 1, "suite name '.' is not usable as a name"),
    ("cases:\n  - id: a\n  - id: '..'\n", 3, "case id '..' is not usable as a name"),
    ("cases:\n  - id: '.'\n", 2, "case id '.' is not usable as a name"),
])
def test_dot_names_are_refused_at_load(tmp_path: Path, text: str, line: int, message: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(text)
    with pytest.raises(SuiteError) as err:
        load_suite(file)
    assert str(err.value).startswith(f"{file}: line {line}: {message}")
    assert err.value.line == line


@pytest.mark.parametrize("bad", ["a/b", "a\\\\b", "", "..", "."])
def test_separators_and_empty_ids_are_refused_by_the_schema_or_the_name_rule(
    tmp_path: Path, bad: str
) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(f'cases:\n  - id: "{bad}"\n')
    with pytest.raises(SuiteError, match=r": line 2: "):
        load_suite(file)


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\\\b"])
def test_provider_names_that_are_paths_are_refused(tmp_path: Path, name: str) -> None:
    file = tmp_path / "providers.yaml"
    file.write_text(f'providers:\n  "{name}": {{extends: mistral}}\n')
    with pytest.raises(ProviderConfigError, match=r"providers.yaml: line 2: providers key .* is "
                       r"not a provider name"):
        load_catalogue([str(file)])


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_record_run_writes_only_under_its_cassettes_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    suite = work / "...yaml"  # the suite the issue saw overwritten by its own cassette
    suite.write_text(f"""suite: dots
cases:
  - id: {LONG_ID}
    request: {{max_tokens: 8, messages: [{{role: user, content: hi}}]}}
  - id: Case
    request: {{max_tokens: 8, messages: [{{role: user, content: hi}}]}}
  - id: case
    request: {{max_tokens: 8, messages: [{{role: user, content: hi}}]}}
  - id: uni
    request: {{max_tokens: 8, messages: [{{role: user, content: hi}}]}}
    matrix:
      messages.0.content: ["météo", "日本語", "a/../../b", "x\\u0000y"]
""")
    before = suite.read_bytes()
    with SimServer(SimConfig(dialect="mistral", api_keys={"k"},
                                 models=tuple(TRICKY_MODELS), latency_ms=0)) as sim:
        models = "".join(f"      '{m}': {{}}\n" for m in TRICKY_MODELS)
        (work / "providers.yaml").write_text(
            f"providers:\n  p:\n    extends: mistral\n    base_url: {sim.url}\n"
            f"    api_key_env: LOAD_KEY\n    models:\n{models}")
        monkeypatch.setenv("LOAD_KEY", "k")
        argv = ["run", str(suite), "--providers", "providers.yaml", "--mode", "record",
                "--cassettes", str(tmp_path / "cas"), "--out", str(tmp_path / "rep"), "-q"]
        for model in TRICKY_MODELS:
            argv += ["--target", f"p/{model}"]
        code = main(argv)
    printed = capsys.readouterr()
    assert code in (0, 1), printed.out + printed.err
    assert "Traceback" not in printed.err
    assert suite.read_bytes() == before
    assert sorted(_files(work)) == sorted([suite, work / "providers.yaml"])
    written = _files(tmp_path / "cas")
    cases, variants = 3 + 4, 1
    assert len(written) == len(TRICKY_MODELS) * cases * variants
    for file in written:
        assert (tmp_path / "cas") in file.resolve().parents
    assert {f.name for f in tmp_path.iterdir()} == {"work", "cas", "rep"}
    (run_dir,) = (tmp_path / "rep").iterdir()
    rows = read_results(run_dir)
    assert len(rows) == len(TRICKY_MODELS) * cases
    assert {r["case"] for r in rows} >= {LONG_ID, "Case", "case"}
    assert all(r["error_class"] is None for r in rows), [r["error_message"] for r in rows][:3]
    # the same names find the same files again: a replay (no network) answers every job
    replay = [a if a != "record" else "replay" for a in argv]
    assert main(replay) == code
    assert len(list((tmp_path / "rep").iterdir())) == 2
    assert len(_files(tmp_path / "cas")) == len(written)
