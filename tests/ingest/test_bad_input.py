"""Bad deliveries: a clear error naming file, row, column and rule, and nothing lost.

Partition-level defects stop the partition (nothing of it loaded, the failure logged);
row-level defects go to quarantine with rows in = rows loaded + rows quarantined.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from ltu_platform import pseudonym
from ltu_platform.contracts import get_contract
from ltu_platform.ingest import DeliveryContractError, IngestionFailed, ingest_all, load_partition

from .landing_fixture import csv_bytes, sample_rows, sha256, write_bytes, write_csv

FILE = "dfdg/conversations/2020-01/conversations_2020-01.csv"


def conversations(n=4):
    return sample_rows("conversations", "2020-01", n)


def header():
    return get_contract("conversations").column_names


def with_value(row_index, column, value, n=4):
    rows = conversations(n)
    rows[row_index][column] = value
    return rows


# (name, bytes of the file, expected row, column, rule)
PARTITION_DEFECTS = [
    ("missing column", csv_bytes(conversations(), [h for h in header() if h != "walk_in"]), 0, "walk_in", "header_missing_column"),
    ("extra column", csv_bytes(conversations(), [*header(), "comment"]), 0, "comment", "header_extra_column"),
    ("wrong type", csv_bytes(with_value(2, "walk_in", "maybe"), header()), 3, "walk_in", "type:boolean"),
    ("unparseable date", csv_bytes(with_value(1, "conversation_date", "2020-02-30"), header()), 2, "conversation_date", "type:date"),
    ("date in another format", csv_bytes(with_value(0, "conversation_date", "05-01-2020"), header()), 1, "conversation_date", "type:date"),
    ("bad timestamp", csv_bytes(with_value(3, "registered_at", "2020-01-05 25:00:00"), header()), 4, "registered_at", "type:timestamp"),
    ("malformed cpr", csv_bytes(with_value(1, "cpr", "12345"), header()), 2, "cpr", "type:cpr"),
    ("undecodable bytes", csv_bytes(conversations(), header()).replace(b";job;", b";j\x81b;", 1), 3, "conversation_type", "undecodable_bytes"),
    ("NUL byte", csv_bytes(conversations(), header()).replace(b";job;", b";j\x00b;", 1), 3, "conversation_type", "undecodable_bytes"),
    ("zero-byte file", b"", 0, None, "zero_byte_file"),
    ("too many fields", csv_bytes(conversations(), header()) + b"a;b;c;d;e;f;g;h;i;j;k;l\r\n", 5, None, "field_count"),
]


@pytest.mark.parametrize(("data", "row", "column", "rule"), [d[1:] for d in PARTITION_DEFECTS], ids=[d[0] for d in PARTITION_DEFECTS])
def test_partition_defect_fails_naming_file_row_column_rule(landing, con, data, row, column, rule):
    path = write_bytes(landing, "conversations", "2020-01", data)
    before = sha256(path)

    with pytest.raises(DeliveryContractError) as caught:
        load_partition(con, str(landing), "conversations", "2020-01")

    error = caught.value
    assert (error.file, error.row, error.column, error.rule) == (FILE, row, column, rule)
    assert all(str(part) in str(error) for part in (FILE, f"row {error.row}", f"column {error.column or '-'}", rule))
    assert con.execute("SELECT count(*) FROM raw.conversations").fetchone()[0] == 0
    assert con.execute("SELECT status, rows_loaded FROM raw.load_log").fetchall() == [("failed", 0)]
    assert sha256(path) == before


def test_undecodable_bytes_name_the_row_and_column(landing, con):
    rows = conversations()
    data = csv_bytes(rows, header())
    target = rows[2]["conversation_type"].encode()
    offset = data.index(b"\r\n" + rows[2]["conversation_id"].encode())  # start of data row 3
    position = data.index(target, offset)
    write_bytes(landing, "conversations", "2020-01", data[:position] + b"\x9d" + data[position + 1 :])

    with pytest.raises(DeliveryContractError) as caught:
        load_partition(con, str(landing), "conversations", "2020-01")
    assert (caught.value.row, caught.value.column, caught.value.rule) == (3, "conversation_type", "undecodable_bytes")


def test_parquet_with_a_wrong_type_fails_naming_the_row(landing, con):
    import pyarrow as pa

    from .landing_fixture import write_parquet

    rows = sample_rows("placements", "2020-01", 3)
    table = pa.table({name: [r[name] for r in rows] for name in get_contract("placements").column_names})
    table = table.set_column(table.schema.get_field_index("municipality_code"), "municipality_code",
                             pa.array([101.0, 147.5, 751.0]))  # 147.5 is no kommunekode
    write_parquet(landing, "placements", "2020-01", table)

    with pytest.raises(DeliveryContractError) as caught:
        load_partition(con, str(landing), "placements", "2020-01")
    assert (caught.value.row, caught.value.column, caught.value.rule) == (2, "municipality_code", "type:integer")


def test_parquet_cpr_stored_as_a_number_is_refused(landing, con):
    import pyarrow as pa

    from .landing_fixture import write_parquet

    rows = sample_rows("persons", "2020", 2)
    table = pa.table({name: [r[name] for r in rows] for name in get_contract("persons").column_names})
    table = table.set_column(0, "cpr", pa.array([int(r["cpr"]) for r in rows]))
    write_parquet(landing, "persons", "2020", table)

    with pytest.raises(DeliveryContractError, match="leading zeros") as caught:
        load_partition(con, str(landing), "persons", "2020")
    assert (caught.value.column, caught.value.rule) == ("cpr", "type:cpr")


def test_a_failed_redelivery_keeps_the_last_good_load(landing, con):
    write_csv(landing, "conversations", "2020-01", n=3)
    load_partition(con, str(landing), "conversations", "2020-01")
    write_bytes(landing, "conversations", "2020-01", b"")
    with pytest.raises(DeliveryContractError):
        load_partition(con, str(landing), "conversations", "2020-01")
    assert con.execute("SELECT count(*) FROM raw.conversations").fetchone()[0] == 3


# (name, row index, column, bad value, rule)
ROW_DEFECTS = [
    ("null in non-nullable", 1, "held_by", "", "not_null"),
    ("unknown code", 2, "conversation_type", "telefon", "allowed_values"),
    ("outside the partition", 3, "conversation_date", "2020-02-01", "partition"),
]


@pytest.mark.parametrize(("row", "column", "value", "rule"), [d[1:] for d in ROW_DEFECTS], ids=[d[0] for d in ROW_DEFECTS])
def test_row_defect_goes_to_quarantine(landing, con, row, column, value, rule):
    rows = with_value(row, column, value, n=5)
    path = write_csv(landing, "conversations", "2020-01", rows).path
    before = sha256(path)

    report = load_partition(con, str(landing), "conversations", "2020-01")

    quarantined = con.execute("SELECT _row_number, column_name, rule, reason, record FROM raw.quarantine").fetchall()
    loaded = con.execute("SELECT count(*) FROM raw.conversations").fetchone()[0]
    assert report.rows_in == 5 == loaded + len(quarantined)
    assert (report.rows_loaded, report.rows_quarantined) == (loaded, len(quarantined))
    [(row_number, column_name, got_rule, reason, record)] = quarantined
    assert (row_number, column_name, got_rule) == (row + 1, column, rule)
    assert column in reason
    record = json.loads(record)
    assert record["conversation_id"] == rows[row]["conversation_id"]
    assert record["person_key"] == pseudonym.person_key(rows[row]["cpr"], b"test-key")
    assert "cpr" not in record
    assert sha256(path) == before


def test_code_missing_from_the_reference_seed_is_quarantined(landing, con):
    rows = sample_rows("placements", "2020-01", 3)
    rows[1]["municipality_code"] = "999"  # not a kommunekode in seeds/municipalities.csv
    rows[2]["akasse_code"] = "XYZ"
    write_csv(landing, "placements", "2020-01", rows)
    load_partition(con, str(landing), "placements", "2020-01")

    got = con.execute("SELECT _row_number, column_name, rule FROM raw.quarantine ORDER BY 1").fetchall()
    assert got == [(2, "municipality_code", "allowed_values"), (3, "akasse_code", "allowed_values")]


def test_out_of_range_values_are_quarantined_with_min_and_max(landing, con):
    rows = sample_rows("pilot_participation", "2016-03", 4)
    rows[0]["price_dkk"] = "5000,01"
    rows[1]["price_dkk"] = "-1"
    rows[2]["price_dkk"] = "5000"  # the boundary itself is allowed (R-PILOT-3)
    write_csv(landing, "pilot_participation", "2016-03", rows)

    report = load_partition(con, str(landing), "pilot_participation", "2016-03")

    got = con.execute("SELECT _row_number, column_name, rule FROM raw.quarantine ORDER BY 1").fetchall()
    assert got == [(1, "price_dkk", "max"), (2, "price_dkk", "min")]
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (4, 2, 2)
    assert report.quarantine_reasons == {("price_dkk", "max"): 1, ("price_dkk", "min"): 1}
    reason = con.execute("SELECT reason FROM raw.quarantine WHERE _row_number = 1").fetchone()[0]
    assert "R-PILOT-3" in reason and "5000.01" in reason


def test_duplicate_primary_key_quarantines_every_copy(landing, con):
    rows = conversations(5)
    rows[3]["conversation_id"] = rows[1]["conversation_id"]
    write_csv(landing, "conversations", "2020-01", rows)

    report = load_partition(con, str(landing), "conversations", "2020-01")

    got = con.execute("SELECT _row_number, column_name, rule, reason FROM raw.quarantine ORDER BY 1").fetchall()
    assert [g[:3] for g in got] == [(2, "conversation_id", "unique_primary_key"), (4, "conversation_id", "unique_primary_key")]
    assert "rows 2, 4" in got[0][3]
    assert (report.rows_loaded, report.rows_quarantined) == (3, 2)


def test_a_duplicate_key_containing_a_cpr_does_not_reveal_it(landing, con):
    rows = sample_rows("person_year", "2020", 3)
    rows[2]["cpr"] = rows[0]["cpr"]
    write_csv(landing, "person_year", "2020", rows)
    load_partition(con, str(landing), "person_year", "2020")

    dump = con.execute("SELECT string_agg(reason || record::VARCHAR, '|') FROM raw.quarantine").fetchone()[0]
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 2
    assert rows[0]["cpr"] not in dump


def test_a_row_breaking_several_rules_is_quarantined_once_with_all_reasons(landing, con):
    rows = conversations(3)
    rows[0].update(held_by="", conversation_type="telefon")
    write_csv(landing, "conversations", "2020-01", rows)
    report = load_partition(con, str(landing), "conversations", "2020-01")

    [(rule, reason)] = con.execute("SELECT rule, reason FROM raw.quarantine").fetchall()
    assert rule == "allowed_values"  # the first failure in contract column order
    assert "conversation_type" in reason and "held_by" in reason
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)


def test_reloading_replaces_the_quarantine_too(landing, con):
    write_csv(landing, "conversations", "2020-01", with_value(0, "held_by", ""))
    load_partition(con, str(landing), "conversations", "2020-01")
    load_partition(con, str(landing), "conversations", "2020-01")
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 1
    write_csv(landing, "conversations", "2020-01", conversations())
    load_partition(con, str(landing), "conversations", "2020-01")
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 0


def test_other_partitions_still_load_and_all_failures_are_raised_at_the_end(landing, warehouse_path):
    write_csv(landing, "conversations", "2020-01", n=3)
    write_bytes(landing, "conversations", "2020-02", b"")
    write_csv(landing, "conversations", "2020-03", n=2)
    write_csv(landing, "placements", "2020-02", header=get_contract("placements").column_names[:-1])

    with pytest.raises(IngestionFailed) as caught:
        ingest_all(warehouse_path, str(landing))

    failed = {(ds, p): e for ds, p, e in caught.value.failures}
    assert set(failed) == {("conversations", "2020-02"), ("placements", "2020-02")}
    assert failed[("conversations", "2020-02")].rule == "zero_byte_file"
    assert failed[("placements", "2020-02")].rule == "header_missing_column"
    assert "conversations_2020-02.csv" in str(caught.value) and "placements_2020-02.csv" in str(caught.value)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        counts = dict(con.execute("SELECT _partition, count(*) FROM raw.conversations GROUP BY 1").fetchall())
        statuses = con.execute("SELECT dataset, \"partition\", status FROM raw.load_log ORDER BY 1, 2").fetchall()
    assert counts == {"2020-01": 3, "2020-03": 2}
    assert ("conversations", "2020-02", "failed") in statuses and ("placements", "2020-02", "failed") in statuses


def test_missing_pseudonymisation_key_stops_before_loading(landing, warehouse_path, monkeypatch):
    write_csv(landing, "conversations", "2020-01", n=1)
    monkeypatch.delenv(pseudonym.KEY_ENV)
    with pytest.raises(pseudonym.MissingPseudonymisationKey):
        ingest_all(warehouse_path, str(landing))
    assert not warehouse_path.exists()
