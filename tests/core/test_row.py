"""ResultRow (the typed row) against core/columns.py, and check_row on real rows."""

from __future__ import annotations

import types
import typing

from harness.core.columns import COLUMN_NAMES, COLUMN_TYPES
from harness.core.row import PY_TYPES, ResultRow, check_row, row_types


def _base(hint: object) -> set[type]:
    """The non-None runtime types a hint allows (list[...] -> list, X | None -> X)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return set().union(*(_base(a) for a in typing.get_args(hint) if a is not type(None)))
    if hint is typing.Any:
        return {object}
    origin = typing.get_origin(hint)
    return {origin or hint}  # type: ignore[arg-type]


def test_result_row_is_the_column_list_in_order_with_its_types() -> None:
    hints = row_types()
    assert list(hints) == COLUMN_NAMES
    assert set(ResultRow.__required_keys__) == set(COLUMN_NAMES)
    for name, hint in hints.items():
        allowed = set(PY_TYPES[COLUMN_TYPES[name]])
        base = _base(hint)
        assert base <= allowed | {object}, (name, hint, COLUMN_TYPES[name])


def test_check_row_names_missing_columns_and_wrong_types() -> None:
    row = dict.fromkeys(COLUMN_NAMES)
    assert check_row(row) == []
    row.update(status_code="200", passed=1, repeat=True)
    del row["cost_usd"]
    problems = check_row(row)
    assert "missing column 'cost_usd'" in problems
    assert any(p.startswith("column 'status_code' is str") for p in problems)
    assert any(p.startswith("column 'passed' is int") for p in problems)
    assert any(p.startswith("column 'repeat' is bool") for p in problems)
