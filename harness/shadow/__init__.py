"""Shadow-traffic diffing: mirror real requests to a candidate, log both answers, diff them.

    pairs.py    the pair log's record (`Answer`, `Arm`, `PairRecord`), content modes
                (full | hash | none), `PairLog` (JSONL writer, scrubbed) and `read_pairs`

Layer: like `gating/` (may import session, engine, wire, report, core; never cli).
"""
