"""Clean deliveries load completely, typed, pseudonymised and replaceable."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from ltu_platform import pseudonym
from ltu_platform.contracts import load_contracts
from ltu_platform.ingest import ingest_all, load_partition

from .landing_fixture import cpr_for, sample_rows, write_csv, write_parquet

MONTHS = ["2020-01", "2020-02"]
YEARS = ["2019", "2020"]


def partitions_of(contract):
    return MONTHS if contract.partitioning == "monthly" else YEARS


@pytest.fixture
def full_landing(landing):
    """Every contract, two partitions, a different row count per file."""
    written = {}
    for k, (dataset, contract) in enumerate(load_contracts().items()):
        for j, partition in enumerate(partitions_of(contract)):
            written[(dataset, partition)] = write_csv(landing, dataset, partition, n=3 + k + j)
    return written


def test_every_delivery_loads_with_the_files_row_counts(full_landing, landing, warehouse_path):
    reports = ingest_all(warehouse_path, str(landing))

    assert len(reports) == len(full_landing)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        for (dataset, partition), written in full_landing.items():
            count = con.execute(f"SELECT count(*) FROM raw.{dataset} WHERE _partition = ?", [partition]).fetchone()[0]
            assert count == len(written.rows), (dataset, partition)
        logged = con.execute("SELECT sum(rows_in), sum(rows_loaded), sum(rows_quarantined) FROM raw.load_log").fetchone()
    total = sum(len(w.rows) for w in full_landing.values())
    assert logged == (total, total, 0)


def test_cpr_never_appears_in_clear_in_the_warehouse(full_landing, landing, warehouse_path):
    ingest_all(warehouse_path, str(landing))
    cprs = set().union(*(w.cprs for w in full_landing.values()))
    assert cprs
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        for schema, table in tables:
            columns = [c[0] for c in con.execute(f"DESCRIBE {schema}.{table}").fetchall()]
            assert "cpr" not in columns, f"{schema}.{table}"
            text = con.execute(f"SELECT string_agg(CAST(COLUMNS(*) AS VARCHAR), '|') FROM {schema}.{table}").fetchone()
            dump = "|".join(v for v in text if v)
            assert not [c for c in cprs if c in dump], f"CPR in clear in {schema}.{table}"


def test_person_key_is_the_pseudonym_of_the_delivered_cpr(landing, con):
    written = write_csv(landing, "placements", "2020-01", n=6)
    load_partition(con, str(landing), "placements", "2020-01")

    got = dict(con.execute("SELECT placement_id, person_key FROM raw.placements").fetchall())
    expected = {r["placement_id"]: pseudonym.person_key(r["cpr"], b"test-key") for r in written.rows}
    assert got == expected


def test_values_are_typed_from_danish_export_text(landing, con):
    rows = sample_rows("person_year", "2020", 3)
    rows[0].update(wage_income="1.234.567,89", education_vocational="ja", graduation_date="2015-06-30", industry="")
    rows[1].update(wage_income="0,5", education_vocational="Nej", graduation_date="")
    rows[2].update(wage_income="42", education_vocational="1")
    write_csv(landing, "person_year", "2020", rows)
    load_partition(con, str(landing), "person_year", "2020")

    got = con.execute(
        "SELECT wage_income, education_vocational, graduation_date, industry FROM raw.person_year ORDER BY _row_number"
    ).fetchall()
    assert got == [
        (1234567.89, True, dt.date(2015, 6, 30), None),
        (0.5, False, None, rows[1]["industry"]),
        (42.0, True, dt.date.fromisoformat(rows[2]["graduation_date"]), rows[2]["industry"]),
    ]
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'person_year'").fetchall())
    assert types["wage_income"] == "DOUBLE" and types["year"] == "BIGINT" and types["_row_number"] == "BIGINT"


def test_timestamps_and_lineage(landing, con):
    rows = sample_rows("conversations", "2020-03", 2)
    rows[1]["registered_at"] = "2020-03-31 23:59:58"
    write_csv(landing, "conversations", "2020-03", rows)
    report = load_partition(con, str(landing), "conversations", "2020-03")

    got = con.execute(
        "SELECT registered_at, _partition, _source_file, _row_number, _load_id FROM raw.conversations ORDER BY _row_number"
    ).fetchall()
    assert got[1][0] == dt.datetime(2020, 3, 31, 23, 59, 58)
    assert [g[1:] for g in got] == [
        ("2020-03", "dfdg/conversations/2020-03/conversations_2020-03.csv", i + 1, report.load_id) for i in range(2)
    ]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("utf-8", False), ("latin-1", False)])
def test_encodings_keep_danish_letters(landing, con, encoding, bom):
    rows = sample_rows("profile_assessments", "2020-01", 2)
    rows[0]["tool_version"] = "værktøj å 2.1"
    write_csv(landing, "profile_assessments", "2020-01", rows, encoding=encoding, bom=bom)
    load_partition(con, str(landing), "profile_assessments", "2020-01")

    versions = [v for (v,) in con.execute("SELECT tool_version FROM raw.profile_assessments ORDER BY _row_number").fetchall()]
    assert versions == ["værktøj å 2.1", rows[1]["tool_version"]]
    # The BOM must not leak into the first column's name.
    assert con.execute("SELECT count(*) FROM raw.profile_assessments WHERE assessment_id IS NOT NULL").fetchone()[0] == 2


def test_header_only_file_is_a_delivery_of_zero_rows(landing, con):
    write_csv(landing, "placements", "2020-01", rows=[])
    report = load_partition(con, str(landing), "placements", "2020-01")
    assert (report.rows_in, report.rows_loaded, report.status) == (0, 0, "loaded")


def test_parquet_delivery_loads_like_csv(landing, con):
    table = pa.table({
        "placement_id": ["p1", "p2"],
        "cpr": [cpr_for(1), cpr_for(2)],
        "placement_date": pa.array([dt.date(2020, 5, 1), dt.date(2020, 5, 31)], pa.date32()),
        "akasse_code": ["ASE", "AKA"],
        "municipality_code": pa.array([101, 751], pa.int32()),
        "placement_reason": ["ny", "genoptjent"],
        "is_graduate": [True, False],
    })
    write_parquet(landing, "placements", "2020-05", table)
    report = load_partition(con, str(landing), "placements", "2020-05")

    assert report.source_file.endswith("placements_2020-05.parquet")
    got = con.execute(
        "SELECT placement_id, person_key, placement_date, municipality_code, is_graduate FROM raw.placements ORDER BY 1"
    ).fetchall()
    assert got == [
        ("p1", pseudonym.person_key(cpr_for(1), b"test-key"), dt.date(2020, 5, 1), 101, True),
        ("p2", pseudonym.person_key(cpr_for(2), b"test-key"), dt.date(2020, 5, 31), 751, False),
    ]


def test_reloading_a_partition_replaces_it_exactly(landing, con):
    write_csv(landing, "conversations", "2020-01", n=4)
    write_csv(landing, "conversations", "2020-02", n=3)
    for _ in range(3):
        load_partition(con, str(landing), "conversations", "2020-01")
    load_partition(con, str(landing), "conversations", "2020-02")

    counts = dict(con.execute("SELECT _partition, count(*) FROM raw.conversations GROUP BY 1").fetchall())
    assert counts == {"2020-01": 4, "2020-02": 3}
    assert con.execute("SELECT count(DISTINCT conversation_id) FROM raw.conversations").fetchone()[0] == 7
    assert con.execute("SELECT count(*) FROM raw.load_log WHERE dataset = 'conversations'").fetchone()[0] == 4


def test_a_corrected_redelivery_replaces_the_old_rows(landing, con):
    write_csv(landing, "placements", "2020-01", n=5)
    load_partition(con, str(landing), "placements", "2020-01")
    corrected = sample_rows("placements", "2020-01", 2, start=100)
    write_csv(landing, "placements", "2020-01", corrected)
    load_partition(con, str(landing), "placements", "2020-01")

    ids = sorted(i for (i,) in con.execute("SELECT placement_id FROM raw.placements").fetchall())
    assert ids == sorted(r["placement_id"] for r in corrected)


def test_a_memory_filesystem_landing_zone_works_like_a_folder(con):
    import fsspec

    from .landing_fixture import csv_bytes

    fs = fsspec.filesystem("memory")
    rows = sample_rows("persons", "2021", 3)
    with fs.open("/ltu-landing/register/persons/2021/persons_2021.csv", "wb") as f:
        f.write(csv_bytes(rows, load_contracts()["persons"].column_names))
    report = load_partition(con, "memory://ltu-landing", "persons", "2021")
    assert report.rows_loaded == 3
