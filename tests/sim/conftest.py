"""Fixtures for the simulator tests: one running server per dialect, and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from harness.sim import SimConfig, SimServer


@pytest.fixture(scope="module")
def mistral() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="mistral")) as srv:
        yield srv


@pytest.fixture(scope="module")
def gateway() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="openai")) as srv:
        yield srv


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as c:
        yield c
