"""Reading one delivery into an Arrow table of its raw values (docs/architecture.md, Landing zone).

CSV follows Danish export conventions: ``;`` separator, UTF-8 with or without BOM or
Latin-1, empty field = null. Every CSV value is read as text here; turning text into the
contract's types (decimal comma, ja/nej, ...) is ``parsing``'s job, so that a bad value is
reported with its row and column rather than as a reader failure. Parquet keeps its own types.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ltu_platform.ingest.discovery import Delivery, landing_filesystem
from ltu_platform.ingest.errors import DeliveryContractError

SEPARATOR = ";"
# Bytes that never occur in a Latin-1 text export: NUL and the C1 control range. A file that
# is not UTF-8 and holds one of them is some other encoding (or binary), not Latin-1.
_NOT_LATIN1_TEXT = re.compile(rb"[\x00\x80-\x9f]")


@dataclass(frozen=True)
class RawDelivery:
    delivery: Delivery
    header: list[str]
    table: pa.Table  # CSV: every column text (null for empty fields); Parquet: its own types
    sha256: str
    encoding: str  # utf-8, utf-8-sig, latin-1 or parquet


def fetch(landing_url: str, delivery: Delivery) -> bytes:
    """The delivery's bytes, read whole (one partition at a time keeps memory bounded)."""
    fs, _ = landing_filesystem(landing_url)
    with fs.open(delivery.path, "rb") as f:
        return f.read()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_delivery(landing_url: str, delivery: Delivery) -> RawDelivery:
    return parse_delivery(fetch(landing_url, delivery), delivery)


def parse_delivery(data: bytes, delivery: Delivery) -> RawDelivery:
    """Decode and split a delivery's bytes; a file-level defect raises DeliveryContractError."""
    file = delivery.relative_path
    if not data:
        raise DeliveryContractError(file, 0, None, "zero_byte_file", "the file is empty (0 bytes); a delivery of no rows still has its header row")
    if delivery.suffix == "parquet":
        table = _read_parquet(data, file)
        return RawDelivery(delivery, list(table.column_names), table, file_sha256(data), "parquet")
    text, encoding = decode(data, file)
    header, table = parse_csv_text(text, file)
    return RawDelivery(delivery, header, table, file_sha256(data), encoding)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """UTF-8 (BOM or not), else Latin-1 when the bytes can be Latin-1 text, else fail."""
    nul = data.find(b"\x00")
    if nul >= 0:
        _fail_undecodable(data, nul, file, "a NUL byte")
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        bad = _NOT_LATIN1_TEXT.search(data)
        if bad:
            _fail_undecodable(data, bad.start(), file, f"byte 0x{data[bad.start()]:02X}, neither UTF-8 ({exc.reason}) nor Latin-1 text")
        return data.decode("latin-1"), "latin-1"


def parse_csv_text(text: str, file: str) -> tuple[list[str], pa.Table]:
    """Split decoded CSV text into its header and a table of text values."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first_line], delimiter=SEPARATOR), [])
    header = [name.strip() for name in header]
    if len(set(header)) != len(header):
        duplicated = sorted({h for h in header if header.count(h) > 1})
        raise DeliveryContractError(file, 0, duplicated[0], "header", f"column(s) {duplicated} appear more than once in the header")
    bad_rows: list[pa_csv.InvalidRow] = []

    def keep_invalid_row(row: pa_csv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    # Trailing blank lines are an export artefact; a blank line inside the data is a bad row.
    body = text.rstrip("\r\n") + "\n"
    table = pa_csv.read_csv(
        io.BytesIO(body.encode("utf-8")),
        # Single-threaded so the reader knows each row's line number for error messages.
        read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
        parse_options=pa_csv.ParseOptions(
            delimiter=SEPARATOR, invalid_row_handler=keep_invalid_row, ignore_empty_lines=False
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    if bad_rows:
        row = bad_rows[0]
        raise DeliveryContractError(
            file, (row.number or 1) - 1, None, "field_count",
            f"{row.actual_columns} fields where the header has {row.expected_columns} "
            f"({len(bad_rows)} such row(s)); line text: {row.text[:120]!r}",
        )
    return header, table


def _read_parquet(data: bytes, file: str) -> pa.Table:
    try:
        return pq.read_table(io.BytesIO(data))
    except pa.ArrowException as exc:
        raise DeliveryContractError(file, 0, None, "parquet", f"not a readable Parquet file: {exc}") from exc


def _fail_undecodable(data: bytes, position: int, file: str, what: str) -> None:
    line = data.count(b"\n", 0, position)  # 0 = header line, so also the 1-based data row
    line_start = data.rfind(b"\n", 0, position) + 1
    header = data.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf").decode("latin-1").split(SEPARATOR)
    field = data.count(SEPARATOR.encode(), line_start, position)
    column = header[field].strip() if line > 0 and field < len(header) else None
    raise DeliveryContractError(file, line, column, "undecodable_bytes", f"undecodable bytes: {what} at byte offset {position}")
