"""Rows -> DataFrame dtypes; results.parquet / results.csv round trips; load_run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import harness
from harness.core.columns import COLUMN_NAMES, COLUMN_TYPES, FORMAT_VERSION
from harness.core.errors import UsageError
from harness.report.frame import load_run, to_frame, write_tables
from tests.report.support import row, write_run

DTYPES = {"str": "string", "bool": "boolean", "int": "Int64", "float": "Float64", "json": "object"}


def _rows() -> list[dict]:
    return [
        row("ok", passed=True),
        row("bad", passed=False, status_code=None, latency_ms=None, cost_usd=None,
            failures=[{"check": "status", "title": "no response", "expected": [200],
                       "received": None}], request_sent={"nested": {"a": [1, 2, {"b": None}]}}),
        row("unicode", response_excerpt="héllo | \"quoted\"\nnew line, comma", tags=[]),
    ]


def test_declared_dtypes_and_nulls() -> None:
    df = to_frame(_rows())
    assert list(df.columns)[: len(COLUMN_NAMES)] == COLUMN_NAMES
    for name, typ in COLUMN_TYPES.items():
        assert str(df[name].dtype) == DTYPES[typ], name
    bad = df[df["case"] == "bad"].iloc[0]
    assert bad["status_code"] is pd.NA and bad["latency_ms"] is pd.NA
    assert bad["cost_usd"] is pd.NA  # unknown, never 0
    assert bad["failures"][0]["expected"] == [200]
    assert bad["request_sent"] == {"nested": {"a": [1, 2, {"b": None}]}}


def test_missing_and_extra_columns_are_tolerated() -> None:
    old = {"run_id": "r", "suite": "s", "case": "c", "target": "p/m", "passed": True,
           "latency_ms": 5, "future_column": [1, 2], "future_number": 3.5}
    df = to_frame([old])
    assert set(COLUMN_NAMES) <= set(df.columns)
    assert df["ttft_ms"].isna().all() and str(df["ttft_ms"].dtype) == "Float64"
    assert df["future_column"].iloc[0] == [1, 2]
    assert df["future_number"].iloc[0] == 3.5
    assert str(df["latency_ms"].dtype) == "Float64"


def test_parquet_round_trip_keeps_dtypes_values_json_and_nulls(tmp_path: Path) -> None:
    df = to_frame(_rows())
    parquet, csv = write_tables(df, tmp_path)
    meta = json.loads(pq.read_schema(parquet).metadata[b"harness"])
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["columns"]["failures"] == "json"
    # in the file, json columns are JSON text
    raw = pq.read_table(parquet).column("request_sent").to_pylist()
    assert json.loads(raw[1]) == {"nested": {"a": [1, 2, {"b": None}]}}

    back = load_run(parquet)
    assert list(back.columns) == list(df.columns)
    assert (back.dtypes == df.dtypes).all()
    for name in df.columns:
        for x, y in zip(df[name].tolist(), back[name].tolist()):
            assert (x is pd.NA and y is pd.NA) or x == y or (x is None and y is None), name

    via_csv = load_run(csv)
    assert (via_csv.dtypes == df.dtypes).all()
    assert via_csv["response_excerpt"].tolist() == df["response_excerpt"].tolist()
    assert via_csv["failures"].tolist() == df["failures"].tolist()
    assert via_csv["cost_usd"].isna().tolist() == df["cost_usd"].isna().tolist()


def test_load_run_prefers_fresh_parquet_and_merges_shards(tmp_path: Path) -> None:
    a = write_run(tmp_path, "shard-1", [row("c1"), row("c2")])
    b = write_run(tmp_path, "shard-2", [row("c3", passed=False)])
    from_jsonl = harness.load_run(a)
    assert from_jsonl["case"].tolist() == ["c1", "c2"]
    write_tables(from_jsonl.assign(case=["x1", "x2"]), a)  # a parquet newer than the jsonl
    assert load_run(a)["case"].tolist() == ["x1", "x2"]
    jsonl = a / "results.jsonl"
    later = (a / "results.parquet").stat().st_mtime + 5
    os.utime(jsonl, (later, later))  # rows appended after the parquet: the jsonl wins
    assert load_run(a)["case"].tolist() == ["c1", "c2"]

    merged = load_run([a, b])
    assert merged["case"].tolist() == ["c1", "c2", "c3"]
    assert merged["run_id"].tolist() == ["shard-1", "shard-1", "shard-2"]
    assert str(merged["passed"].dtype) == "boolean"
    assert [m["run_id"] for m in merged.attrs["runs"]] == ["shard-1", "shard-2"]


def test_load_run_errors_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such run folder"):
        load_run(tmp_path / "missing")
    with pytest.raises(UsageError, match="not a run folder"):
        load_run(tmp_path)
