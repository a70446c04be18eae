"""Record and replay: vcrpy-format cassettes with stream chunk timings and scrubbed secrets.

    reader.py     the one reader of the file format (replay and the audit): JSON fast path,
                  libyaml fallback, stock vcrpy / pydantic-ai / gzip variants, harness extras
    cassette.py   the harness's cassettes: Interaction, writing (vcrpy v1, JSON-style YAML),
                  paths, match keys, atomic save; reading through reader.py
    scrub.py      secret headers / query parameters hashed, cookies dropped
    recorder.py   an engine Exchange -> an Interaction (secrets removed)
    replay.py     an Interaction -> the Exchange the engine would have made (instant or paced)
    store.py      the cassettes of a run: plan per job (live / record / replay), lazy loading,
                  matching by repeat and turn, stale detection, one write per cassette (locked)
    routing.py    a transport that sends a target's traffic elsewhere (recording from the
                  reference simulator under the real target names)

The engine (`engine.runner.run_jobs(mode=...)`) is what uses them.
"""
