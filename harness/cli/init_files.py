'''The files `harness init` writes (path -> text): a smoke suite, a providers file, a CI
workflow and HARNESS.md. tests/cli/test_init.py validates and runs them, workflow included.'''

from __future__ import annotations

__all__ = ["FILES", "TARGET"]

TARGET = "myllm/mistral-medium-3.5"

SMOKE = """\
# A first suite: one case per kind of contract. `harness validate suites/` checks it without
# sending anything; README "A suite" lists the keys and checks.
suite: smoke
description: Chat answer, error envelope and streaming of one target.
defaults:
  tags: [smoke]
  request:
    max_tokens: 128
    temperature: 0
cases:
  - id: chat
    description: A plain chat answer, with usage and a finish reason.
    request:
      messages:
        - {role: user, content: Write a haiku about the ocean.}
    expect:
      - status: 200
      - body_schema:
      - usage:
      - finish_reason: [stop, length]
      - regex: '\\w+'

  - id: unknown_parameter
    description: A parameter the API does not know is refused in the provider's error shape.
    raw: true
    request:
      body:
        model: "{{model}}"
        messages: [{role: user, content: Hello.}]
        temprature: 0.5
    expect:
      - status: [400, 422]
      - error_envelope: {class: validation}

  - id: chat_stream
    description: Server-sent events end with one finish reason; time to first token bounded.
    request:
      stream: true
      messages:
        - {role: user, content: Stream a short paragraph about tides.}
    expect:
      - status: 200
      - stream:
      - finish_reason: [stop, length]
      - ttft_ms: {max: 10000}
"""

PROVIDERS = """\
# Providers of this project, next to the built-in ones (`harness targets --providers
# providers.yaml` lists them all). Pass it with --providers providers.yaml.
providers:
  myllm:
    # Everything of the built-in `mistral` provider (dialect, models, prices) ...
    extends: mistral
    # ... with your own endpoint (a gateway, a proxy); ${VAR:-default} is interpolated.
    base_url: ${MYLLM_BASE_URL:-https://api.mistral.ai/v1}
    # The environment variable holding the key (never the key itself in this file).
    api_key_env: MYLLM_API_KEY
"""

WORKFLOW = """\
# Pull requests: replay the committed cassettes (no key, no network) and gate the run against
# the committed baseline run. Nightly: the same suites live against the provider.
# See HARNESS.md for how cassettes/ and baselines/main are recorded.
name: harness
on:
  pull_request:
  schedule:
    - cron: "17 3 * * *"
  workflow_dispatch:
jobs:
  replay-gate:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install
        run: python -m pip install llm-contract-harness
      - name: Replay
        run: harness run suites/ --target myllm/mistral-medium-3.5 --providers providers.yaml --mode replay --cassettes cassettes --out reports --run-id candidate
      - name: Gate
        run: harness gate reports/candidate --baseline baselines/main
      - name: Summary
        if: always()
        run: cat reports/candidate/gate.md >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: harness-reports
          path: reports/
  nightly:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    env:
      MYLLM_API_KEY: ${{ secrets.MYLLM_API_KEY }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install
        run: python -m pip install llm-contract-harness
      - name: Run live
        run: harness run suites/ --target myllm/mistral-medium-3.5 --providers providers.yaml --mode live --out reports
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: harness-nightly
          path: reports/
"""

GUIDE = """\
# Contract tests of this project

Made by `harness init`: `suites/smoke.yaml` (a chat, an error-envelope and a streaming case),
`providers.yaml` (provider `myllm`, extending the built-in `mistral`, key in `MYLLM_API_KEY`)
and `.github/workflows/harness.yml` (a replay gate on pull requests, a nightly live run).

1. Check the files, sending nothing:

       harness validate suites/ providers.yaml

2. Run offline against the reference simulator (no key, no network):

       harness run suites/ --target myllm/mistral-medium-3.5 --providers providers.yaml --simulate

3. Record the cassettes and the baseline run the pull-request gate compares with (with
   `MYLLM_API_KEY` set; add `--simulate` to record from the simulator instead), then commit
   `cassettes/` and `baselines/main/`:

       harness run suites/ --target myllm/mistral-medium-3.5 --providers providers.yaml --mode record --out baselines --run-id main

4. Gate as CI does, offline, from the cassettes:

       harness run suites/ --target myllm/mistral-medium-3.5 --providers providers.yaml --mode replay --out reports --run-id candidate
       harness gate reports/candidate --baseline baselines/main

The nightly job runs the suites live: add the key as the repository secret `MYLLM_API_KEY`.
Under pytest: `pytest suites/ --harness-target myllm/mistral-medium-3.5 --harness-providers
providers.yaml --harness-simulate`.
"""

FILES: dict[str, str] = {
    "suites/smoke.yaml": SMOKE,
    "providers.yaml": PROVIDERS,
    ".github/workflows/harness.yml": WORKFLOW,
    "HARNESS.md": GUIDE,
}
