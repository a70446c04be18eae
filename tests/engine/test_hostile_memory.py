"""Memory stays bounded by --max-response-bytes whatever the answer: a 1 MB gzip that inflates
to 1 GB and a 2 GB body, each read by a child process whose whole peak RSS is measured
(ru_maxrss). Read whole, either would take over 1 GB; the bound asserted (400 MiB, for a cap
of 1 MiB) leaves room for any interpreter and says nothing about speed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.sim import SimConfig, SimServer

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import asyncio, json, resource, sys
from harness.core.models import Case, Job, ModelInfo, Provider, Target
from harness.engine.retry import RetryPolicy
from harness.engine.send import SendOptions, execute
from harness.engine.transport import make_client

url, kind, mib = sys.argv[1], sys.argv[2], sys.argv[3]
model = ModelInfo(id="mistral-medium-3-1")
provider = Provider(name="sim", base_url=url, dialect="openai",
                    headers={"x-sim-fault": kind, "x-sim-size-mib": mib})
request = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
job = Job(case=Case(suite="s", id="c", request=request), target=Target(provider, model),
          request=request)

async def main():
    client = make_client(None, timeout=120, max_connections=1)
    try:
        opts = SendOptions(policy=RetryPolicy(max_attempts=1), timeout_s=120,
                           max_response_bytes=1 << 20)
        return await execute(job, client, opts, "sim-key")
    finally:
        await client.aclose()

ex = asyncio.run(main())
print(json.dumps({"error_class": ex.error_class, "kept": len(ex.body),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@pytest.fixture(scope="module")
def srv() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="openai", latency_ms=0)) as server:
        yield server


@pytest.mark.parametrize(("kind", "mib"), [("gzip_bomb", "1024"), ("huge_body", "2048")])
def test_a_bomb_is_read_in_bounded_memory(srv: SimServer, kind: str, mib: str) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD, srv.url, kind, mib], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=300)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["error_class"] == "too_large"
    assert out["kept"] <= 1 << 20
    assert out["peak_mib"] < 400, out


EMFILE_CHILD = """
import asyncio, json, os, resource, sys
from harness.core.models import Case, Job, ModelInfo, Provider, Target
from harness.engine.retry import RetryPolicy
from harness.engine.send import SendOptions, execute
from harness.engine.transport import make_client

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
model = ModelInfo(id="mistral-medium-3-1")
provider = Provider(name="sim", base_url=sys.argv[1], dialect="openai")
request = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
job = Job(case=Case(suite="s", id="c", request=request), target=Target(provider, model),
          request=request)

async def main():
    client = make_client(None, timeout=30, max_connections=1)
    opts = SendOptions(policy=RetryPolicy(max_attempts=1))
    prepared = opts.prepare(job, "sim-key")  # lazy imports open files: done before the fill
    await execute(job, client, opts, "sim-key", prepared)  # and aiohttp's first-use imports
    await client.aclose()
    client = make_client(None, timeout=30, max_connections=1)
    fds = []
    try:
        while True:
            fds.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    try:
        return await execute(job, client, opts, "sim-key", prepared)
    finally:
        for fd in fds:
            os.close(fd)
        await client.aclose()

ex = asyncio.run(main())
print(json.dumps({"error_class": ex.error_class, "message": ex.error_message}))
"""


def test_running_out_of_file_descriptors_is_a_resource_row(srv: SimServer) -> None:
    done = subprocess.run([sys.executable, "-c", EMFILE_CHILD, srv.url], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["error_class"] == "resource", out
    assert "EMFILE" in out["message"] and "not the provider" in out["message"]
