"""The result row: one flat row per job, the unit of every report.

Column names are a contract with users (notebooks, DuckDB queries, CI scripts read them).
Add columns freely; rename or remove one only with a FORMAT_VERSION bump.
"""

from __future__ import annotations

FORMAT_VERSION = 1

# (name, type, description). Types: str, bool, int, float, json (list/dict, stored as JSON text
# in tabular formats).
RESULT_COLUMNS: list[tuple[str, str, str]] = [
    ("run_id", "str", "identifier of the run"),
    ("suite", "str", "suite name"),
    ("case", "str", "case id within the suite"),
    ("target", "str", "provider/model"),
    ("provider", "str", "provider name"),
    ("model", "str", "model id"),
    ("dialect", "str", "wire dialect of the provider: openai, mistral, anthropic"),
    ("endpoint", "str", "chat, responses or messages"),
    ("stream", "bool", "the request asked for a stream"),
    ("variant", "str", "matrix variant, e.g. 'temperature=0.2'; '' when none"),
    ("repeat", "int", "0-based repeat index"),
    ("mode", "str", "how the job ran: live, record (live and written to a cassette) or replay"),
    ("status_code", "int", "HTTP status of the last attempt; empty on transport failure"),
    ("passed", "bool", "every check passed"),
    ("failures", "json", "list of {check, title, expected, received}"),
    ("error_class", "str",
     ("auth, rate_limit, validation, server, timeout, too_large, too_deep, redirect, resource, "
     "malformed_body, deadline (not run), internal_error, ... ; empty on success")),
    ("error_message", "str", "short description of the error (no secrets)"),
    ("latency_ms", "float", "request start to last byte, last attempt"),
    ("ttft_ms", "float", "time to first token (streams); time to first byte otherwise"),
    ("ttfb_ms", "float", "request start to the first byte of the response body"),
    ("itl_ms", "float", "streams: mean inter-token latency (gap between content events)"),
    ("tokens_per_s", "float", "streams: completion tokens / (last byte - first token)"),
    ("stream_events", "int", "streams: number of SSE events received (terminator included)"),
    ("prompt_tokens", "int", "provider-reported prompt tokens"),
    ("completion_tokens", "int", "provider-reported completion tokens"),
    ("total_tokens", "int", "provider-reported total tokens"),
    ("cached_prompt_tokens", "int", "provider-reported cached prompt tokens"),
    ("cost_usd", "float", "usage x price book + per-call fees; empty when a price is unknown"),
    ("attempts", "int", "number of HTTP attempts (1 = no retry)"),
    ("finish_reason", "str", "normalised finish reason"),
    ("recorded_latency_ms", "float",
     "replay: latency measured when the cassette was recorded (summed over a tool loop's turns)"),
    ("checks", "json", "names of the checks that ran"),
    ("job_id", "str", "suite::case::target[::variant][::rN]"),
    ("tags", "json", "tags of the case"),
    ("started_at", "str", "UTC ISO-8601 time the job started"),
    ("request_sent", "json", "the body actually sent, after dialect translation"),
    ("response_excerpt", "str", "first 2,000 characters of the response body"),
    ("reproduce", "str", "curl command reproducing the request (key as an env variable)"),
    ("turns", "int", "requests made for the case: 1, or the turns of a tool loop"),
    ("turn_latencies_ms", "json", "latency of each turn (latency_ms is their sum)"),
    ("request_notes", "json", "canonical fields the endpoint cannot carry: not sent, and why"),
    ("cassette", "str", "record / replay: path of the cassette written or replayed; empty when live"),
    ("error_variant", "str", "error body shape seen by error_envelope, e.g. mistral.flat"),
    ("retries_exhausted", "bool",
     ("the last attempt failed in a retryable way (429, 5xx, timeout, ...) and no retry was "
     "left, or the server's Retry-After was over --max-retry-wait: counted as an error")),
]

COLUMN_NAMES: list[str] = [c[0] for c in RESULT_COLUMNS]
COLUMN_TYPES: dict[str, str] = {c[0]: c[1] for c in RESULT_COLUMNS}
