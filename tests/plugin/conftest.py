"""Fixtures of the pytest plugin tests: two reference simulators and a pytester folder holding
suite files and a providers file that aims two targets at them (key from the environment).

pytester itself is enabled in the test modules (`pytest_plugins = ["pytester"]`): pytest
refuses `pytest_plugins` in a conftest below the rootdir.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import harness
from harness.sim import SimConfig, SimServer

# pytester's in-process runs drop every module first imported during the run; modules the
# plugin imports lazily would then be imported afresh by the next run, next to stale copies
# held by the ones kept (registries, YAML loader classes, numpy). Import them all up front.
for _mod in pkgutil.walk_packages(harness.__path__, "harness."):
    importlib.import_module(_mod.name)
for _name in ("pandas", "pyarrow", "pyarrow.parquet"):
    importlib.import_module(_name)

KEY = "sk-plugin-TESTKEY-5d4c3b2a19087f6e"
KEY_ENV = "PLUGIN_TEST_KEY"
TARGETS = ("m/mistral-medium-3.5", "g/mistral-medium-3-1")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sims() -> Iterator[dict[str, SimServer]]:
    """A Mistral and an OpenAI-compatible simulator (no latency, seeded), accepting KEY."""
    with SimServer(SimConfig(dialect="mistral", api_keys={KEY}, seed=1)) as m, SimServer(
        SimConfig(dialect="openai", api_keys={KEY}, seed=1)
    ) as o:
        yield {"mistral": m, "openai": o}


@pytest.fixture
def project(pytester: pytest.Pytester, sims: dict[str, SimServer],
            monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester's folder with providers.yaml (targets m/... and g/... on the simulators)."""
    monkeypatch.delenv("HARNESS_TARGETS", raising=False)
    monkeypatch.setenv(KEY_ENV, KEY)
    pytester.path.joinpath("providers.yaml").write_text(
        f"""providers:
  m:
    extends: mistral
    base_url: {sims["mistral"].url}
    api_key_env: {KEY_ENV}
  g:
    extends: empiriolabs
    base_url: {sims["openai"].url}
    api_key_env: {KEY_ENV}
""",
        encoding="utf-8",
    )
    return pytester


def harness_args(*extra: str, out: str = "reports") -> list[str]:
    """The options that activate the plugin on both targets (providers.yaml, reports/)."""
    args = ["-p", "no:cacheprovider", "--harness-providers", "providers.yaml",
            "--harness-out", out]
    for target in TARGETS:
        args += ["--harness-target", target]
    return [*args, *extra]


def run_dirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []
