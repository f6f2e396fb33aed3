"""The next publication records which published figures a correction revised, and by how much,
without revealing a suppressed cell; and it states the delivery period and its gaps."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ltu_platform.contracts import load_contracts
from ltu_platform.publish.publication import Publication, publish
from ltu_platform.publish.revisions import REVISIONS_FILE
from ltu_platform.publish.suppression import FLAG_SUFFIX

GATE = {"status": "passed", "blocking_checks_failed": 0}
TABLE = "fct_selfbooking_share"
KEY = ["month", "level", "unit_code"]


def _publish(warehouse: Path, published: Path, hour: int) -> Publication:
    return publish(warehouse, published, GATE, bootstrap_replicates=20, docs=False, report=True,
                   now=datetime(2026, 11, 21, hour, 0, tzinfo=UTC))


def _published(pub: Publication, table: str) -> pd.DataFrame:
    return pd.read_parquet(pub.path / pub.manifest["tables"][table]["parquet"])


def _revisions(pub: Publication) -> pd.DataFrame:
    return pd.read_csv(pub.path / REVISIONS_FILE, sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"unit_code": str})


def _visible(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    return ~df[[f"{c}{FLAG_SUFFIX}" for c in columns]].any(axis=1)


def _update(warehouse: Path, row: pd.Series, **values) -> None:
    sets = ", ".join(f"{c} = ?" for c in values)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"UPDATE marts.{TABLE} SET {sets} WHERE month = ? AND level = ? AND unit_code = ?",
                    [*values.values(), row["month"], row["level"], row["unit_code"]])


@pytest.fixture
def two_publications(warehouse: Path, tmp_path: Path):
    """Publish, correct three cells of the self-booking mart, publish again."""
    source, warehouse = warehouse, tmp_path / "ltu.duckdb"
    shutil.copy(source, warehouse)
    published = tmp_path / "published"
    first = _publish(warehouse, published, 3)
    table = _published(first, TABLE)
    counts = ["n_selfbooked", "n_summoned", "n_conversations", "selfbooking_share_pct"]

    # a national cell published in full, that stays publishable after moving 3 conversations
    revised = table[(table["level"] == "national") & _visible(table, counts)
                    & (table["n_selfbooked"] >= 8) & (table["n_summoned"] >= 5)].iloc[0]
    n, s = int(revised["n_conversations"]), int(revised["n_selfbooked"])
    _update(warehouse, revised, n_selfbooked=s - 3, n_summoned=int(revised["n_summoned"]) + 3,
            selfbooking_share_pct=100.0 * (s - 3) / n)

    # a unit suppressed before and after (both counts below 5, swapped): it must not show
    with duckdb.connect(str(warehouse), read_only=True) as con:
        true = con.execute(f"SELECT * FROM marts.{TABLE}").df()
    hidden = true[(true["level"] == "jobcenter") & true["n_selfbooked"].between(1, 4)
                  & true["n_summoned"].between(1, 4) & (true["n_selfbooked"] != true["n_summoned"])
                  & (true["month"] != revised["month"])].iloc[0]
    _update(warehouse, hidden, n_selfbooked=int(hidden["n_summoned"]), n_summoned=int(hidden["n_selfbooked"]),
            selfbooking_share_pct=100.0 * int(hidden["n_summoned"]) / int(hidden["n_conversations"]))

    # a unit published before that now has 2 summoned conversations: it becomes suppressed
    exposed = table[(table["level"] == "jobcenter") & _visible(table, counts)
                    & (table["n_summoned"] >= 5) & (table["month"] != revised["month"])
                    & (table["month"] != hidden["month"])].iloc[0]
    _update(warehouse, exposed, n_summoned=2, n_conversations=int(exposed["n_selfbooked"]) + 2)

    second = _publish(warehouse, published, 4)
    return first, second, {"revised": revised, "hidden": hidden, "exposed": exposed}


def _cells(df: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
    return df[(pd.to_datetime(df["month"]) == pd.Timestamp(row["month"])) & (df["level"] == row["level"])
              & (df["unit_code"] == str(row["unit_code"]))]


def test_first_publication_says_there_is_nothing_to_compare(two_publications):
    first, _, _ = two_publications
    summary = first.manifest["revisions"]
    assert summary["previous_version"] is None and "first publication" in summary["note"]
    assert _revisions(first).empty
    assert (first.path / REVISIONS_FILE).name in first.manifest["files"]


def test_revised_cells_old_new_and_difference(two_publications):
    first, second, changed = two_publications
    revisions = _revisions(second)
    assert second.manifest["revisions"]["previous_version"] == first.version
    row = changed["revised"]
    n, s, summoned = int(row["n_conversations"]), int(row["n_selfbooked"]), int(row["n_summoned"])
    got = _cells(revisions[revisions["table"] == TABLE], row).set_index("measure")
    assert set(got.index) == {"n_selfbooked", "n_summoned", "selfbooking_share_pct"}
    assert (got["status"] == "revised").all()  # traffic_light: left as it was in the mart
    assert got.loc["n_selfbooked", ["old_value", "new_value", "difference"]].tolist() == [s, s - 3, -3]
    assert got.loc["n_summoned", ["old_value", "new_value", "difference"]].tolist() == [summoned, summoned + 3, 3]
    share = got.loc["selfbooking_share_pct"]
    assert share["old_value"] == pytest.approx(100 * s / n)
    assert share["difference"] == pytest.approx(-300 / n)
    # the unit that became suppressed still publishes its total: 2 summoned more than self-booked
    exposed = _cells(revisions[revisions["table"] == TABLE], changed["exposed"]).set_index("measure")
    e = changed["exposed"]
    assert exposed.loc["n_conversations", ["old_value", "new_value"]].tolist() == [
        e["n_conversations"], e["n_selfbooked"] + 2]
    # nothing else was corrected: no other table and no other self-booking row was revised
    others = revisions[revisions["status"] == "revised"].drop(
        _cells(revisions, row).index.union(_cells(revisions, e).index), errors="ignore")
    assert others.empty, others
    counts = second.manifest["revisions"]["tables"][TABLE]
    assert counts["revised_cells"] == 3 + 1 and counts["added_rows"] == counts["removed_rows"] == 0
    assert "Revisions since the previous publication" in second.report.read_text(encoding="utf-8")


def test_suppressed_cells_never_leak_into_revisions(two_publications):
    first, second, changed = two_publications
    revisions = _revisions(second)
    mine = revisions[revisions["table"] == TABLE]
    assert _cells(mine, changed["hidden"]).empty, "a cell suppressed in both versions was reported"

    exposed = _cells(mine, changed["exposed"]).set_index("measure")
    assert "n_summoned" in exposed.index and exposed.loc["n_summoned", "status"] == "suppressed"
    suppressed = revisions[revisions["status"] == "suppressed"]
    assert suppressed[["old_value", "new_value", "difference", "old_label", "new_label"]].isna().all().all()

    # every suppression change, and only those, is reported: from the two published tables
    old, new = _published(first, TABLE), _published(second, TABLE)
    both = old.merge(new, on=KEY, suffixes=("_old", "_new"))
    flags = [c[: -len(FLAG_SUFFIX)] for c in old.columns if c.endswith(FLAG_SUFFIX)]
    expected = {
        (pd.Timestamp(r["month"]), r["level"], str(r["unit_code"]), c)
        for _, r in both.iterrows() for c in flags
        if bool(r[f"{c}{FLAG_SUFFIX}_old"]) != bool(r[f"{c}{FLAG_SUFFIX}_new"])
    }
    mine_suppressed = mine[mine["status"] == "suppressed"]
    got = {(pd.Timestamp(r["month"]), r["level"], str(r["unit_code"]), r["measure"])
           for _, r in mine_suppressed.iterrows()}
    assert expected and got == expected
    # every number reported is a published number of the respective version
    revised = mine[mine["status"] == "revised"]
    for _, r in revised.iterrows():
        o = _cells(old, r).iloc[0]
        nw = _cells(new, r).iloc[0]
        assert not o[f"{r['measure']}{FLAG_SUFFIX}"] and not nw[f"{r['measure']}{FLAG_SUFFIX}"]
        assert r["old_value"] == pytest.approx(float(o[r["measure"]]))
        assert r["new_value"] == pytest.approx(float(nw[r["measure"]]))


def _load_log(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "load_id": [f"l{i}" for i in range(len(rows))], "dataset": [r[0] for r in rows],
        "partition": [r[1] for r in rows], "source_file": "x.csv", "file_sha256": "0" * 64,
        "rows_in": 1, "rows_loaded": 1, "rows_quarantined": 0, "status": [r[2] for r in rows],
        "message": [r[3] for r in rows],
        "loaded_at": pd.Timestamp("2026-11-20") + pd.to_timedelta(range(len(rows)), "s")})


def test_publication_states_delivery_period_and_missing_months(small_warehouse: Path, tmp_path: Path):
    contracts = load_contracts()
    monthly = [n for n, c in contracts.items() if c.partitioning == "monthly"]
    yearly = [n for n, c in contracts.items() if c.partitioning == "yearly"]
    months = ["2020-01", "2020-02", "2020-03", "2020-04"]
    rows = [(d, m, "loaded", "ok") for d in monthly for m in months
            if (d, m) not in {("conversations", "2020-03"), ("placements", "2020-02")}]
    # a failed delivery of placements 2020-02, and a failure later repaired by a good load
    rows += [("placements", "2020-02", "failed", "bad date in row 3"),
             ("placements", "2020-01", "failed", "zero-byte file")]
    rows += [(d, y, "loaded", "ok") for d in yearly for y in ("2019", "2020")]
    warehouse = tmp_path / "ltu.duckdb"
    shutil.copy(small_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.register("_log", _load_log(rows))
        con.execute("CREATE OR REPLACE TABLE raw.load_log AS SELECT * FROM _log")
    pub = _publish(warehouse, tmp_path / "published", 5)

    period = pub.manifest["delivery_period"]
    assert (period["monthly"]["first"], period["monthly"]["newest"]) == ("2020-01", "2020-04")
    assert (period["yearly"]["first"], period["yearly"]["newest"]) == ("2019", "2020")
    assert period["monthly"]["missing"] == [
        {"dataset": "conversations", "partition": "2020-03", "reason": "not delivered"},
        {"dataset": "placements", "partition": "2020-02", "reason": "delivery failed: bad date in row 3"},
    ]
    assert period["yearly"]["missing"] == [] and period["complete"] is False
    report = pub.report.read_text(encoding="utf-8")
    assert "Missing inside the period (2)" in report and "bad date in row 3" in report
