"""Vision over real HTTP: the bundled images reach the simulator in each endpoint's form."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from pathlib import Path

import pytest

from harness.core.models import Case, CheckSpec, Job, SourceLoc, Target
from harness.providers.catalogue import load_catalogue
from tests.engine.runs import run_jobs

SUITES = Path(__file__).resolve().parents[2] / "suites"


def _row(dialect: str, endpoint: str, images: list[str]) -> dict:
    sim = pytest.importorskip("harness.sim")
    name = "empiriolabs/mistral-medium-3-1" if dialect == "openai" else "mistral/mistral-medium-3.5"
    base = load_catalogue([]).resolve(name)
    request = {
        "endpoint": endpoint,
        "messages": [{"role": "user", "content": "Describe the image."}],
        "images": images,
        "max_tokens": 32,
    }
    case = Case(
        suite="vision",
        id="img",
        request=request,
        loc=SourceLoc(str(SUITES / "vision.yaml"), 1),
        expect=[CheckSpec("status", 200), CheckSpec("usage")],
    )
    with sim.SimServer(sim.SimConfig(dialect=dialect, latency_ms=1)) as srv:
        target = Target(replace(base.provider, name="sim", base_url=srv.url, api_key_env=None),
                        base.model)
        (row,) = asyncio.run(
            run_jobs([Job(case=case, target=target, request=request)], run_id="v",
                     writer=None, api_keys={"sim": "sim-key"})
        )
    return row


@pytest.mark.parametrize(
    ("dialect", "endpoint"),
    [("mistral", "chat"), ("openai", "chat"), ("openai", "responses"), ("openai", "messages")],
)
def test_an_image_costs_prompt_tokens_on_every_endpoint(dialect: str, endpoint: str) -> None:
    text_only = _row(dialect, endpoint, [])
    chart = _row(dialect, endpoint, ["images/bar_chart.png"])
    both = _row(dialect, endpoint, ["images/bar_chart.png", "images/quadrants.jpg"])
    for row in (text_only, chart, both):
        assert row["passed"], row["failures"]
    # the simulator bills one token per 16x16 patch: 16 for the 64x64 chart, 1 for the 16x16 JPEG
    assert chart["prompt_tokens"] - text_only["prompt_tokens"] >= 16
    assert both["prompt_tokens"] > chart["prompt_tokens"]
    payload = base64.b64encode((SUITES / "images" / "bar_chart.png").read_bytes()).decode()
    assert payload in str(chart["request_sent"])
