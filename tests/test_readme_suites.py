"""Every suite in README.md (a ```yaml block with `cases:`) loads, so the README cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.providers.catalogue import load_catalogue
from harness.suite import load_suite_text
from tests.test_readme_checks import register_readme_check

ROOT = Path(__file__).resolve().parents[1]


def _readme_suites() -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    suites = []
    for match in re.finditer(r"^```yaml\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        block = match.group(1)
        if re.search(r"^cases:", block, re.MULTILINE):
            suites.append((text.count("\n", 0, match.start()) + 2, block))
    return suites


SUITES = _readme_suites()


def test_the_readme_has_suites() -> None:
    assert len(SUITES) >= 2  # "A suite" and "Writing checks" at least


@pytest.mark.parametrize(("line", "block"), SUITES, ids=[f"line{n}" for n, _ in SUITES])
def test_a_readme_suite_loads(line: int, block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    register_readme_check()  # the "Writing checks" suite names the README's own check
    monkeypatch.chdir(ROOT)  # relative paths (images, schemas) as from the repository root
    suite = load_suite_text(block, f"README.md (the block at line {line})")
    assert suite.cases, f"README.md line {line}: a suite with no cases"


def _yaml_blocks() -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.DOTALL | re.MULTILINE)]


def test_every_readme_yaml_block_parses() -> None:
    for line, block in _yaml_blocks():
        try:
            yaml.safe_load(block)
        except yaml.YAMLError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"README.md line {line}: not YAML: {exc}")


def test_the_readme_providers_file_loads(tmp_path: Path) -> None:
    blocks = [b for _, b in _yaml_blocks() if re.search(r"^providers:", b, re.MULTILINE)]
    assert blocks, "README: a providers file example"
    for n, block in enumerate(blocks):
        path = tmp_path / f"providers{n}.yaml"
        path.write_text(block, encoding="utf-8")
        catalogue = load_catalogue([path], env={})
        for name, entry in yaml.safe_load(block)["providers"].items():
            if "api_key_env" in entry:
                assert catalogue.providers[name].api_key_env == entry["api_key_env"]
