"""Turning a delivery's raw values into the contract's types (docs/architecture.md, Landing zone).

Text conventions: decimal comma (a ``.`` next to a ``,`` is a thousands separator), dates
``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``1/0``, ``true/false`` or
``ja/nej``. A value that does not parse fails the whole partition, naming the first bad row:
a wrong type is a broken export, not a registration defect to quarantine.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ltu_platform.contracts import Column, Contract
from ltu_platform.ingest.errors import DeliveryContractError

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "cpr": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}
TRUE_WORDS = ["1", "true", "ja"]
FALSE_WORDS = ["0", "false", "nej"]
CPR_PATTERN = r"^\d{10}$"  # DDMMYYSSSS; a DDMMYY-SSSS export is accepted and normalised
_FORMATS = {
    "integer": (r"^-?\d+$", "a whole number"),
    "decimal": (r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", "a decimal number (decimal comma)"),
    "date": ("%Y-%m-%d", "a date YYYY-MM-DD"),
    "timestamp": ("%Y-%m-%d %H:%M:%S", "a timestamp YYYY-MM-DD HH:MM:SS"),
}
_TEMPORAL_SHAPES = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "timestamp": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
}
_DATE_FIELDS = [("year", 0), ("month", 5), ("day", 8)]
_TEMPORAL_FIELDS = {
    "date": _DATE_FIELDS,
    "timestamp": [*_DATE_FIELDS, ("hour", 11), ("minute", 14), ("second", 17)],
}


def check_header(header: list[str], contract: Contract, file: str) -> None:
    """The header must hold exactly the contract's columns (any order)."""
    expected = contract.column_names
    missing = [name for name in expected if name not in header]
    if missing:
        raise DeliveryContractError(file, 0, missing[0], "header_missing_column", f"the header lacks contract column(s) {missing}")
    extra = [name for name in header if name not in expected]
    if extra:
        raise DeliveryContractError(file, 0, extra[0], "header_extra_column", f"the header has column(s) {extra} that are not in the contract of {contract.dataset}")


def parse_table(table: pa.Table, contract: Contract, file: str) -> pa.Table:
    """The delivery in contract order and types; raises on the first value that does not parse."""
    arrays = [parse_column(_as_array(table.column(c.name)), c, file) for c in contract.columns]
    schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in contract.columns])
    return pa.Table.from_arrays(arrays, schema=schema)


def parse_column(values: pa.Array, column: Column, file: str) -> pa.Array:
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _parse_text(values.cast(pa.string()), column, file)
    return _cast_native(values, column, file)


def _parse_text(values: pa.Array, column: Column, file: str) -> pa.Array:
    if column.type == "string":
        return values
    text = pc.utf8_trim_whitespace(values)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if column.type == "cpr":
        text = pc.replace_substring(text, "-", "")
        _fail_where(pc.invert(pc.match_substring_regex(text, CPR_PATTERN)), values, column, file, "a CPR number of 10 digits")
        return text
    if column.type == "boolean":
        lower = pc.utf8_lower(text)
        is_true, is_false = pc.is_in(lower, pa.array(TRUE_WORDS)), pc.is_in(lower, pa.array(FALSE_WORDS))
        _fail_where(pc.invert(pc.or_(is_true, is_false)), values, column, file, "a boolean (1/0, true/false, ja/nej)", text)
        return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true)
    if column.type in ("date", "timestamp"):
        return _parse_temporal(text, values, column, file)
    if column.type == "decimal":
        # Danish decimal comma; with a comma present, dots are thousands separators.
        has_comma = pc.match_substring(text, ",")
        text = pc.if_else(has_comma, pc.replace_substring(pc.replace_substring(text, ".", ""), ",", "."), text)
    pattern, expected = _FORMATS[column.type]
    _fail_where(pc.invert(pc.match_substring_regex(text, pattern)), values, column, file, expected)
    try:
        return text.cast(ARROW_TYPES[column.type])
    except pa.ArrowInvalid:  # only an integer beyond 64 bits gets here
        return _cast_elementwise(text, column, file, expected)


def _parse_temporal(text: pa.Array, raw: pa.Array, column: Column, file: str) -> pa.Array:
    fmt, expected = _FORMATS[column.type]
    shaped = pc.match_substring_regex(text, _TEMPORAL_SHAPES[column.type]).fill_null(True)
    _fail_where(pc.invert(shaped), raw, column, file, expected, text)
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    # strptime rolls impossible dates over (2021-02-30 -> 2021-03-02): every field parsed must
    # equal the digits written (fields read by position, which the shape check made safe).
    same = pc.is_valid(parsed)
    for field, start in _TEMPORAL_FIELDS[column.type]:
        written = pc.utf8_slice_codeunits(text, start, start + (4 if field == "year" else 2)).cast(pa.int64())
        same = pc.and_(same, pc.equal(getattr(pc, field)(parsed), written))
    _fail_where(pc.invert(same.fill_null(False)), raw, column, file, expected, text)
    return parsed.cast(ARROW_TYPES[column.type])


def _cast_native(values: pa.Array, column: Column, file: str) -> pa.Array:
    """Parquet values already carry a type: cast safely (no silent truncation)."""
    target = ARROW_TYPES[column.type]
    if column.type == "cpr":
        raise DeliveryContractError(file, 0, column.name, "type:cpr", f"CPR numbers must be text, not {values.type} (leading zeros would be lost)")
    if pa.types.is_timestamp(values.type) and values.type.tz is not None:
        values = pc.local_timestamp(values)
    try:
        return values.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _cast_elementwise(values, column, file, f"a value of type {column.type}")


def _cast_elementwise(values: pa.Array, column: Column, file: str, expected: str) -> pa.Array:
    """Slow path, only for a column already known to fail: find the first bad row."""
    target = ARROW_TYPES[column.type]
    for index in range(len(values)):
        try:
            values.slice(index, 1).cast(target, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise DeliveryContractError(
                file, index + 1, column.name, f"type:{column.type}",
                f"value {values[index].as_py()!r} is not {expected}",
            ) from None
    raise DeliveryContractError(file, 0, column.name, f"type:{column.type}", f"column of type {values.type} cannot be read as {expected}")


def _fail_where(bad: pa.Array, raw: pa.Array, column: Column, file: str, expected: str, parsed: pa.Array | None = None) -> None:
    # Nulls are not type errors (the nullable rule judges them); a null in `bad` means null input.
    bad = bad.fill_null(False)
    if parsed is not None:
        bad = pc.and_(bad, pc.is_valid(parsed))
    count = pc.sum(bad).as_py() or 0
    if count:
        index = pc.indices_nonzero(bad)[0].as_py()
        raise DeliveryContractError(
            file, index + 1, column.name, f"type:{column.type}",
            f"value {raw[index].as_py()!r} is not {expected} ({count} bad value(s) in this column)",
        )


def _as_array(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
