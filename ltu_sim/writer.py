"""Writes deliveries into the landing zone exactly as docs/architecture.md "Landing zone" says.

Columns come from the data contracts (never listed here). CSV: ``;`` separator, decimal
comma with two decimals, UTF-8 with BOM, dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans
``1/0``, empty = null; one file per partition of the period, header-only when empty.
Frames carry ``pid`` (person index); the CPR text is looked up per partition, which keeps
memory low at national scale. The CSV text is produced by Arrow (vectorised C++), since
pandas ``to_csv`` is too slow for the ~400 million cells of the national scale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ltu_platform.contracts import Contract, get_contract
from ltu_platform.files import sha256
from ltu_sim import dates
from ltu_sim.config import PERIOD_END, PERIOD_START, REGISTER_FIRST_YEAR

ID_DIGITS = 10
ARROW_TYPES = {
    "string": pa.string(), "cpr": pa.string(), "integer": pa.int64(), "decimal": pa.float64(),
    "date": pa.date32(), "timestamp": pa.timestamp("s"), "boolean": pa.bool_(),
}


def partitions(contract: Contract) -> list[str]:
    if contract.partitioning == "yearly":
        return [str(y) for y in range(REGISTER_FIRST_YEAR, PERIOD_END.year + 1)]
    months = pd.period_range(PERIOD_START, PERIOD_END, freq="M")
    return [str(m) for m in months]


def partition_index(contract: Contract, values: np.ndarray) -> np.ndarray:
    """Position of each row's partition in ``partitions(contract)`` (integers: sorting and
    searching ~50 million partition labels as strings dominated the national run)."""
    if contract.partitioning == "yearly":
        years = dates.year_of(values) if np.issubdtype(values.dtype, np.datetime64) else values.astype(np.int64)
        return years - REGISTER_FIRST_YEAR
    months = dates.month_of(dates.as_days(values)).astype(np.int64)
    return months - np.datetime64(PERIOD_START, "M").astype(np.int64)


CSV_OPTIONS = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
BATCH_ROWS = 1_000_000  # rows converted at once; bounds memory at national scale


def _string_array(series: pd.Series) -> pa.Array:
    """Text from object, categorical or integer-coded columns (nulls kept)."""
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return pa.array(series, from_pandas=True).cast(pa.string())
    return pa.array(series.to_numpy(), type=pa.string(), from_pandas=True)


def _id_array(values: np.ndarray, prefix: str) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(values.astype(np.int64)).cast(pa.string()), width=ID_DIGITS, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _typed_table(contract: Contract, part: pd.DataFrame, cpr: pa.Array, id_column: tuple[str, str] | None) -> pa.Table:
    """The contract's columns as typed Arrow arrays (nulls kept); ``cpr`` is the CPR column."""
    arrays = []
    for col in contract.columns:
        if col.type == "cpr":
            arrays.append(cpr)
            continue
        series = part[col.name]
        v = series.to_numpy()
        if id_column is not None and col.name == id_column[0]:
            arrays.append(_id_array(v, id_column[1]))
        elif col.type in ("date", "timestamp"):
            v = v.astype("datetime64[D]" if col.type == "date" else "datetime64[s]")
            arrays.append(pa.array(v, type=ARROW_TYPES[col.type], mask=np.isnat(v)))
        elif col.type == "boolean":
            arrays.append(pa.array(v.astype(bool)))
        elif col.type == "integer":
            arrays.append(pa.array(v.astype(np.int64)) if v.dtype.kind in "iu"
                          else pa.array(pd.array(v, dtype="Int64"), type=pa.int64()))
        elif col.type == "decimal":
            arrays.append(pa.array(v.astype(float), type=pa.float64(), from_pandas=True))
        else:
            arrays.append(_string_array(series))
    return pa.Table.from_arrays(arrays, names=contract.column_names)


def _decimal_comma(values: pa.Array) -> pa.Array:
    """Fixed two decimals with a decimal comma (Danish export convention)."""
    cents = pc.round(pc.multiply(values, 100.0)).cast(pa.int64())
    magnitude = pc.abs(cents)
    whole = pc.divide(magnitude, 100).cast(pa.string())
    frac = pc.utf8_lpad(pc.subtract(magnitude, pc.multiply(pc.divide(magnitude, 100), 100)).cast(pa.string()),
                        width=2, padding="0")
    text = pc.binary_join_element_wise(whole, frac, ",")
    return pc.if_else(pc.less(cents, 0), pc.binary_join_element_wise("-", text, ""), text)


def _csv_table(typed: pa.Table, contract: Contract) -> pa.Table:
    columns = []
    for col, values in zip(contract.columns, typed.columns):
        if col.type in ("date", "timestamp"):
            values = pc.cast(values, pa.string())
        elif col.type == "boolean":
            values = pc.cast(values, pa.int8())
        elif col.type == "decimal":
            values = pa.chunked_array([_decimal_comma(chunk) for chunk in values.chunks], type=pa.string())
        columns.append(values)
    return pa.Table.from_arrays(columns, names=contract.column_names)


def write_dataset(landing: Path, dataset: str, frame: pd.DataFrame, cpr_of,
                  file_format: str = "csv", progress=None, id_column: tuple[str, str] | None = None) -> list[dict]:
    """Write every partition of ``dataset``; returns manifest entries (path, rows, sha256).

    ``cpr_of``: the CPR text of each person index (``frame.pid``), best as an Arrow array.
    """
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
    contract = get_contract(dataset)
    cpr_of = cpr_of if isinstance(cpr_of, pa.Array) else pa.array(np.asarray(cpr_of), type=pa.string())
    all_parts = partitions(contract)
    key = partition_index(contract, frame[contract.partition_column].to_numpy())
    outside = (key < 0) | (key >= len(all_parts))
    if outside.any():
        bad = np.unique(frame[contract.partition_column].to_numpy()[outside].astype(str))
        raise ValueError(f"{dataset}: rows fall outside the simulated period: partition values {bad[:5].tolist()}")
    # Frames mostly come sorted by their partition column already: no reordering copy then.
    order = None if bool(np.all(key[1:] >= key[:-1])) else np.argsort(key, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(key, minlength=len(all_parts)))]
    lo, hi = bounds[:-1], bounds[1:]
    del key
    header = b"\xef\xbb\xbf" + (";".join(contract.column_names) + "\n").encode("utf-8")  # UTF-8 with BOM
    pid = frame["pid"].to_numpy()
    entries = []
    i = 0
    while i < len(all_parts):
        # A batch of consecutive partitions of at most BATCH_ROWS rows (at least one partition).
        j = i + 1
        while j < len(all_parts) and hi[j] - lo[i] <= BATCH_ROWS:
            j += 1
        rows = slice(lo[i], hi[j - 1]) if order is None else order[lo[i]:hi[j - 1]]
        cpr = cpr_of.take(pa.array(pid[rows].astype(np.int64)))
        table = _typed_table(contract, frame.iloc[rows], cpr, id_column)
        if file_format == "csv":
            table = _csv_table(table, contract)
        for k in range(i, j):
            rel = contract.relative_path(all_parts[k], file_format)
            path = landing / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            part = table.slice(lo[k] - lo[i], hi[k] - lo[k])
            if file_format == "csv":
                digest = _write_csv(path, header, part)
            else:
                pq.write_table(part, path)
                digest = sha256(path)
            entries.append({"path": rel, "rows": int(hi[k] - lo[k]), "sha256": digest})
        del table
        if progress is not None:
            progress(f"{dataset}: partitions {all_parts[i]}..{all_parts[j - 1]}")
        i = j
    return entries


def _write_csv(path: Path, header: bytes, part: pa.Table) -> str:
    """Header plus rows; the hash is taken from the bytes written (no second read)."""
    h = hashlib.sha256(header)
    with path.open("wb") as f:
        f.write(header)
        if part.num_rows:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(part, sink, CSV_OPTIONS)
            body = sink.getvalue()
            h.update(body)
            f.write(body)
    return h.hexdigest()
