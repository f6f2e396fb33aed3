"""Row-level contract rules: a row that breaks one goes to quarantine, the rest still loads.

Rules (the ``rule`` recorded in ``raw.quarantine``):
  not_null            null in a non-nullable column
  allowed_values      code outside the contract's list or the named seed (``Column.allowed_values``)
  min / max           number outside the contract's range
  partition           the partition column's value lies outside the delivered partition (the
                      partition is replaced as a whole on re-delivery, so a stray row would
                      otherwise be loaded twice or lost)
  unique_primary_key  the primary key occurs more than once in the delivery: every copy is
                      quarantined, since which one is right cannot be told
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ltu_platform.contracts import Column, Contract

FAILURE_COLUMNS = ["row", "column_name", "rule", "reason"]


def row_failures(table: pa.Table, contract: Contract, partition: str) -> pd.DataFrame:
    """One row per (data row, rule) failure; ``row`` is the 0-based position in ``table``."""
    frames = []
    for column in contract.columns:
        values = table.column(column.name).combine_chunks()
        frames += _column_failures(values, column)
    frames.append(_partition_failures(table, contract, partition))
    frames.append(_duplicate_key_failures(table, contract))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype=object if name != "row" else "int64") for name in FAILURE_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _column_failures(values: pa.Array, column: Column) -> list[pd.DataFrame]:
    found = []
    if not column.nullable:
        found.append(_failures(pc.is_null(values), values, column, "not_null", lambda v: "null in a non-nullable column"))
    allowed = column.allowed_values()
    if allowed is not None:
        as_text = values.cast(pa.string())
        bad = pc.invert(pc.is_in(as_text, pa.array(allowed)))
        found.append(_failures(pc.and_(pc.is_valid(values), bad), values, column, "allowed_values",
                               lambda v: f"code {v!r} is not an allowed value"))
    if column.min is not None:
        found.append(_failures(pc.less(values, column.min), values, column, "min", lambda v: f"{v} is below the minimum {column.min:g}"))
    if column.max is not None:
        found.append(_failures(pc.greater(values, column.max), values, column, "max", lambda v: f"{v} is above the maximum {column.max:g}"))
    return found


def _failures(mask: pa.Array, values: pa.Array, column: Column, rule: str, describe) -> pd.DataFrame:
    rows = pc.indices_nonzero(mask.fill_null(False)).to_numpy()
    cited = f" [{', '.join(column.rules)}]" if column.rules else ""
    bad_values = values.take(pa.array(rows)).to_pylist() if len(rows) else []
    return pd.DataFrame({
        "row": rows.astype("int64"),
        "column_name": column.name,
        "rule": rule,
        "reason": [f"{column.name}: {describe(v)}{cited}" for v in bad_values],
    })


def _partition_failures(table: pa.Table, contract: Contract, partition: str) -> pd.DataFrame:
    column = contract.column(contract.partition_column)
    values = table.column(column.name).combine_chunks()
    if column.type in ("date", "timestamp"):
        inside = pc.equal(pc.year(values), int(partition[:4]))
        if contract.partitioning == "monthly":
            inside = pc.and_(inside, pc.equal(pc.month(values), int(partition[5:7])))
    else:
        inside = pc.equal(values.cast(pa.string()), partition)
    outside = pc.and_(pc.is_valid(values), pc.invert(inside))
    return _failures(outside, values, column, "partition", lambda v: f"{v} lies outside the delivered partition {partition}")


def _duplicate_key_failures(table: pa.Table, contract: Contract) -> pd.DataFrame:
    keys = table.select(contract.primary_key).to_pandas()
    repeated = keys.duplicated(keep=False) & keys.notna().all(axis=1)
    if not repeated.any():
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    rows = repeated[repeated].index.to_numpy()
    # Group the copies so each reason names the other rows; key values are not shown since
    # a key may be a CPR number.
    groups = keys.loc[rows].groupby(contract.primary_key, sort=False).indices
    copies = {int(rows[i]): rows[idx] for idx in groups.values() for i in idx}
    key_text = ", ".join(contract.primary_key)
    return pd.DataFrame({
        "row": rows.astype("int64"),
        "column_name": key_text,
        "rule": "unique_primary_key",
        "reason": [
            f"primary key ({key_text}) repeated in data rows {', '.join(str(r + 1) for r in copies[int(r)])}"
            for r in rows
        ],
    })
