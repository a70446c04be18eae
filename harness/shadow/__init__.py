"""Shadow-traffic diffing: mirror real requests to a candidate, log both answers, diff them.

    pairs.py    the pair log's record (`Answer`, `Arm`, `PairRecord`), content modes
                (full | hash | none), `PairLog` (JSONL writer, scrubbed) and `read_pairs`
    traffic.py  replay's input: `read_traffic(path)` -> `TrafficItem`s from a pair log, a JSONL
                of requests, a Batch API input file or cassettes (`traffic_format` names it);
                `traffic_shapes.py` infers endpoint, dialect and the recorded answer
    diff.py     `diff_answers(primary, other)`: one FieldDiff per field (status, error class,
                finish reason, tool names and arguments, JSON by path, text, length, usage,
                cost, latency), Diffy's difference kinds; pure, ~30k pairs/s
    noise.py    per-field candidate and noise (secondary) rates with Wilson intervals and
                Diffy's rule (relative + absolute threshold, beyond sampling noise)
    gate.py     the shadow gate file (`KEYS`, defaults, `explain`) and `judge` -> ShadowVerdict
    report.py   `ShadowReport` from a pair log and `shadow_report(log, out, gate)` (the CLI's)
    render.py   terminal text, shadow.md, shadow.json, report.html (`html_section`)
    parquet.py  pairs.parquet: one row per pair, per-arm and per-field columns (`COLUMNS`)

Layer: like `gating/` (may import session, engine, wire, report, core; never cli).
"""
