"""Finding deliveries in the landing zone, their fingerprints and the gaps between them."""

from __future__ import annotations

import os

import pytest

from ltu_platform.ingest import find_delivery, list_deliveries, missing_partitions
from ltu_platform.ingest.discovery import unexpected_files

from .landing_fixture import write_csv, write_parquet


def test_deliveries_are_listed_per_partition_in_order(landing):
    for month in ["2020-03", "2020-01", "2020-02"]:
        write_csv(landing, "conversations", month, n=1)
    write_csv(landing, "persons", "2019", n=1)

    found = list_deliveries(str(landing), "conversations")

    assert [d.partition for d in found] == ["2020-01", "2020-02", "2020-03"]
    assert found[0].relative_path == "dfdg/conversations/2020-01/conversations_2020-01.csv"
    assert [d.partition for d in list_deliveries(str(landing), "persons")] == ["2019"]
    assert list_deliveries(str(landing), "placements") == []


def test_files_off_the_layout_are_not_deliveries_but_are_named(landing):
    write_csv(landing, "conversations", "2020-01", n=1)
    stray = landing / "dfdg/conversations/2020-13/conversations_2020-13.csv"
    stray.parent.mkdir(parents=True)
    stray.write_text("x")
    (landing / "dfdg/conversations/2020-01/notes.txt").write_text("x")

    assert [d.partition for d in list_deliveries(str(landing), "conversations")] == ["2020-01"]
    assert [p.rsplit("/", 1)[-1] for p in unexpected_files(str(landing), "conversations")] == [
        "notes.txt", "conversations_2020-13.csv"]


def test_fingerprint_changes_when_a_file_is_replaced(landing):
    written = write_csv(landing, "placements", "2020-01", n=2)
    before = find_delivery(str(landing), "placements", "2020-01").fingerprint
    assert find_delivery(str(landing), "placements", "2020-01").fingerprint == before

    write_csv(landing, "placements", "2020-01", n=2)  # same content, rewritten later
    stat = written.path.stat()
    os.utime(written.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert find_delivery(str(landing), "placements", "2020-01").fingerprint != before


def test_two_deliveries_of_one_partition_are_refused(landing):
    import pyarrow as pa

    write_csv(landing, "placements", "2020-01", n=1)
    write_parquet(landing, "placements", "2020-01", pa.table({"x": [1]}))
    with pytest.raises(ValueError, match="more than one delivery"):
        find_delivery(str(landing), "placements", "2020-01")


@pytest.mark.parametrize(("partitions", "partitioning", "missing"), [
    (["2020-01", "2020-02", "2020-03"], "monthly", []),
    (["2020-01", "2020-04"], "monthly", ["2020-02", "2020-03"]),
    (["2019-11", "2020-02"], "monthly", ["2019-12", "2020-01"]),  # across the turn of the year
    (["2020-05"], "monthly", []),
    ([], "monthly", []),
    (["2015", "2018", "2016"], "yearly", ["2017"]),
])
def test_missing_partitions_are_the_gaps_in_the_sequence(partitions, partitioning, missing):
    assert missing_partitions(partitions, partitioning) == missing
