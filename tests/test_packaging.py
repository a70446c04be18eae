"""pyproject.toml's licence is an SPDX expression, which the pinned setuptools reads without warning."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


def test_the_licence_is_an_spdx_string_and_setuptools_reads_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"  # not the deprecated {text = ...} table
    assert "setuptools>=77" in project["build-system"]["requires"]  # PEP 639 support
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = next(line.split("==")[1] for line in lock.splitlines()
                  if line.startswith("setuptools=="))
    assert _version(pinned) >= (77, 0)
    metadata = importlib.metadata.metadata("llm-contract-harness")
    assert metadata.get("License-Expression") == "Apache-2.0"
