"""Record and replay: vcrpy-format cassettes with stream chunk timings and scrubbed secrets."""
