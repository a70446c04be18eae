from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.sim import FaultConfig, SimConfig, SimServer

SECRET = "sk-live-TESTSECRET-9f8e7d6c5b4a39281706"


@pytest.fixture(scope="module")
def sims() -> Iterator[dict[str, SimServer]]:
    """Two simulators (Mistral and the OpenAI-compatible gateway) accepting SECRET only."""
    with SimServer(SimConfig(dialect="mistral", api_keys={SECRET})) as m, SimServer(
        SimConfig(dialect="openai", api_keys={SECRET})
    ) as o:
        yield {"mistral": m, "openai": o}


@pytest.fixture
def providers_file(tmp_path: Path, sims: dict[str, SimServer], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user providers file aiming the two seed providers at the simulators, key from env."""
    monkeypatch.setenv("SIM_MISTRAL_URL", sims["mistral"].url)
    monkeypatch.setenv("SIM_GATEWAY_URL", sims["openai"].url)
    monkeypatch.setenv("TEST_PROVIDER_KEY", SECRET)
    path = tmp_path / "providers.yaml"
    path.write_text(
        """
providers:
  m:
    extends: mistral
    base_url: ${SIM_MISTRAL_URL}
    api_key_env: TEST_PROVIDER_KEY
  g:
    extends: empiriolabs
    base_url: ${SIM_GATEWAY_URL}
    api_key_env: TEST_PROVIDER_KEY
""",
        encoding="utf-8",
    )
    return path


def faulty_sim(rate: float, seed: int = 7) -> SimServer:
    return SimServer(
        SimConfig(dialect="openai", api_keys={SECRET},
                  faults=FaultConfig(rate=rate, seed=seed, kinds=("429", "503", "500"),
                                     retry_after_s=0.01))
    )
