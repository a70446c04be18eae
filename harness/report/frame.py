"""Result rows as a pandas DataFrame, and the tabular files of a run folder.

Dtypes follow `harness.core.columns.RESULT_COLUMNS`: str -> "string", bool -> "boolean",
int -> "Int64", float -> "Float64" (all nullable: a missing value is <NA>, never 0 or ""), and
json -> object holding the parsed Python lists/dicts (None when missing). In the files
(`results.parquet`, `results.csv`) json columns are JSON text, so any tool reads them; the
Parquet schema metadata carries `harness.format_version` and the column types. `load_run`
parses json columns back to Python objects.

Columns are read from `RESULT_COLUMNS` at call time: declared columns missing from the rows are
added as all-<NA>, columns the rows have that are not declared are kept (their type guessed:
lists/dicts as json, numbers, booleans, text).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.core.columns import FORMAT_VERSION, RESULT_COLUMNS
from harness.core.errors import RunFileError, UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_FILE",
    "PARQUET_FILE",
    "load_run",
    "read_frame",
    "to_frame",
    "write_tables",
]

PARQUET_FILE = "results.parquet"
CSV_FILE = "results.csv"
JSONL_FILE = "results.jsonl"
META_KEY = b"harness"

PANDAS_DTYPES = {"str": "string", "bool": "boolean", "int": "Int64", "float": "Float64"}


def column_types(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Declared column name -> type (read now, so columns added later are honoured)."""
    types = {name: typ for name, typ, _ in RESULT_COLUMNS}
    if extra:
        for name, typ in extra.items():
            types.setdefault(name, typ)
    return types


def _guess_type(values: Iterable[Any]) -> str:
    kinds: set[str] = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, (list, dict)):
            return "json"
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int")
        elif isinstance(v, float):
            kinds.add("float")
        else:
            kinds.add("str")
    if not kinds:
        return "str"
    if kinds == {"bool"}:
        return "bool"
    if kinds <= {"int"}:
        return "int"
    if kinds <= {"int", "float"}:
        return "float"
    return "str"


def _parse_json(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "tolist"):  # a numpy array from a nested parquet column
        return value.tolist()
    return value


def _coerce(series: pd.Series, typ: str) -> pd.Series:
    """The series with the declared type's dtype; unparseable values become <NA>."""
    import pandas as pd

    if typ == "json":
        return pd.Series(
            [None if v is pd.NA else _parse_json(v) for v in series.tolist()],
            index=series.index, dtype=object, name=series.name,
        )
    dtype = PANDAS_DTYPES.get(typ)
    if dtype is None:
        return series
    if str(series.dtype) == dtype:
        return series
    try:
        if typ == "bool" and series.dtype == object:
            mapped = series.map(_to_bool, na_action="ignore")
            return mapped.astype("boolean")
        if typ == "str":
            return series.map(
                lambda v: v if isinstance(v, str) else json.dumps(v, default=str)
                if isinstance(v, (list, dict)) else str(v),
                na_action="ignore",
            ).astype("string")
        return series.astype(dtype)
    except (TypeError, ValueError):
        if typ in ("int", "float"):
            numeric = pd.to_numeric(series, errors="coerce")
            if typ == "int":
                numeric = numeric.where(numeric.isna() | (numeric == numeric.round()))
            return numeric.astype(dtype)
        if typ == "bool":
            return series.map(_to_bool, na_action="ignore").astype("boolean")
        raise


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        return None
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return bool(value)
    return None


def normalize_frame(df: pd.DataFrame, types: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Declared columns first (in declaration order, added as <NA> when absent), then extras;
    each with its dtype."""
    import pandas as pd

    declared = column_types(types)
    out: dict[str, pd.Series] = {}
    n = len(df)
    for name, typ in declared.items():
        if name in df.columns:
            out[name] = _coerce(df[name], typ)
        else:
            empty = pd.Series([None] * n, index=df.index, dtype=object, name=name)
            out[name] = _coerce(empty, typ)
    for name in df.columns:
        if name in out:
            continue
        typ = (types or {}).get(name) or _guess_type(df[name].tolist())
        out[name] = _coerce(df[name], typ)
    return pd.DataFrame(out, index=df.index)


def to_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Result rows (dicts as in results.jsonl) -> a DataFrame with the declared dtypes."""
    import pandas as pd

    rows = list(rows)
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    return normalize_frame(df.reset_index(drop=True))


def _json_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return json.dumps(value, default=str, ensure_ascii=False)


def _tabular(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy with json columns (declared, or object columns holding lists/dicts) as JSON text;
    and every column's type."""
    declared = column_types()
    out = df.copy()
    types: dict[str, str] = {}
    for name in out.columns:
        typ = declared.get(name)
        if typ is None:
            typ = _guess_type(out[name].tolist()) if out[name].dtype == object else {
                "b": "bool", "i": "int", "u": "int", "f": "float"}.get(
                getattr(out[name].dtype, "kind", "O"), "str")
        types[name] = typ
        if typ == "json":
            out[name] = out[name].map(_json_text).astype("string")
        elif out[name].dtype == object:  # e.g. mixed values in a column nobody declared
            out[name] = _coerce(out[name], typ)
    return out, types


def write_tables(df: pd.DataFrame, run_dir: Path | str) -> list[Path]:
    """Write results.parquet and results.csv into run_dir; returns their paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    run_dir = Path(run_dir)
    flat, types = _tabular(df)
    table = pa.Table.from_pandas(flat, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({"format_version": FORMAT_VERSION, "columns": types}).encode()
    table = table.replace_schema_metadata(meta)
    parquet = run_dir / PARQUET_FILE
    csv = run_dir / CSV_FILE
    tmp = run_dir / f".{PARQUET_FILE}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, parquet)
    tmp_csv = run_dir / f".{CSV_FILE}.{os.getpid()}.tmp"
    flat.to_csv(tmp_csv, index=False)
    os.replace(tmp_csv, csv)
    return [parquet, csv]


def parquet_format_version(path: Path | str) -> int | None:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(META_KEY)
    if not raw:
        return None
    value = json.loads(raw).get("format_version")
    return int(value) if value is not None else None


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise RunFileError(f"{path}: not a readable Parquet file ({exc})") from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    types: dict[str, str] = json.loads(raw).get("columns", {}) if raw else {}
    df = table.to_pandas()
    return normalize_frame(df, types)


def _guess_text_type(values: Iterable[Any]) -> str:
    """The type of an undeclared CSV column from its text."""
    texts = [v for v in values if isinstance(v, str) and v != ""]
    if not texts:
        return "str"
    if all(t in ("True", "False", "true", "false") for t in texts):
        return "bool"
    if all(t[:1] in "[{" for t in texts):
        return "json"
    try:
        nums = [float(t) for t in texts]
    except ValueError:
        return "str"
    return "int" if all(t.lstrip("-").isdigit() for t in texts) and nums else "float"


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    df = pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
    df = df.astype(object).where(df.notna(), None)
    declared = column_types()
    extra = {c: _guess_text_type(df[c].tolist()) for c in df.columns if c not in declared}
    return normalize_frame(df, extra)


# Keys every result row has; a line without them is not a row of this harness.
ROW_KEYS = ("suite", "case", "target", "passed")


def _read_jsonl(path: Path) -> pd.DataFrame:
    from harness.engine.results import read_results

    rows = read_results(path)
    for number, row in enumerate(rows, 1):
        missing = [k for k in ROW_KEYS if k not in row]
        if missing:
            raise RunFileError(
                f"{path}: row {number} is not a result row (no {', '.join(missing)})"
            )
    return to_frame(rows)


def read_frame(path: Path | str) -> pd.DataFrame:
    """One run folder or one results file (.parquet, .jsonl, .csv) -> DataFrame.

    A run folder is read from results.parquet when it exists and is not older than
    results.jsonl (a finished run), else from results.jsonl (a run still going or interrupted).
    """
    path = Path(path)
    if path.is_dir():
        parquet, jsonl = path / PARQUET_FILE, path / JSONL_FILE
        if parquet.exists() and (
            not jsonl.exists() or parquet.stat().st_mtime >= jsonl.stat().st_mtime
        ):
            try:
                return _read_parquet(parquet)
            except RunFileError:
                if not jsonl.exists():
                    raise
                # a damaged derived file: the rows of record are in results.jsonl
        if jsonl.exists():
            return _read_jsonl(jsonl)
        raise UsageError(f"{path} is not a run folder: it has no {JSONL_FILE} or {PARQUET_FILE}")
    if not path.exists():
        raise UsageError(f"no such run folder or results file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix == ".csv":
        return _read_csv(path)
    return _read_jsonl(path)


def load_run(path: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """The result rows of a run as a DataFrame (one row per job), for notebooks and scripts.

    `path`: a run folder (`reports/<run_id>/`), a results file (.parquet, .jsonl or .csv), or a
    list of them (e.g. the shards of one run, `--shard K/N`), concatenated in the order given.
    Dtypes: nullable string/boolean/Int64/Float64 per `harness.RESULT_COLUMNS`; json columns
    (`failures`, `checks`, `tags`, `request_sent`, ...) hold parsed lists/dicts.
    `df.attrs["runs"]` lists the run.json of each folder read.
    """
    import pandas as pd

    from harness.engine.results import read_meta

    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not paths:
        raise UsageError("load_run: no run folder given")
    frames = [read_frame(p) for p in paths]
    df = frames[0] if len(frames) == 1 else normalize_frame(
        pd.concat(frames, ignore_index=True)
    )
    metas = []
    for p in paths:
        folder = Path(p) if Path(p).is_dir() else Path(p).parent
        meta = read_meta(folder)
        if meta:
            metas.append(meta)
    df.attrs["runs"] = metas
    return df
