"""A publication is whole, verifiable, readable in the evaluators' tools, and holds no person."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ltu_platform.publish import formats, versioning
from ltu_platform.publish.identifiers import IdentifierInPublication, assert_no_identifiers
from ltu_platform.publish.publication import Publication, publish, read_manifest, verify
from ltu_platform.publish.sources import QualityGateFailed
from ltu_platform.publish.suppression import FLAG_SUFFIX
from ltu_platform.publish.tables import INDICATOR_MARTS, indicator_specs

from .attacker import attacker_bounds
from .warehouse_fixture import World, gate_results, indicator_marts

GATE = {"status": "passed", "blocking_checks_failed": 0}


def _published_frames(pub: Publication) -> dict[str, pd.DataFrame]:
    return {n: pd.read_parquet(pub.path / t["parquet"]) for n, t in pub.manifest["tables"].items()}


def test_publication_is_whole_and_matches_its_manifest(publication: Publication) -> None:
    pub = publication
    assert versioning.latest_version(pub.path.parent) == pub.version
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z(\.\d+)?", pub.version)
    assert verify(pub.path) == []
    manifest = read_manifest(pub.path)
    for mart in INDICATOR_MARTS:
        assert mart.name in manifest["tables"]
    assert {"registration_quality", "model_calibration", "eval_pilot_effect"} <= set(
        manifest["tables"]
    )
    assert manifest["model_version"] == "3"
    assert manifest["source_snapshot"]["load_ids"] == ["load-1", "load-2"]
    assert manifest["quality_gate"]["status"] == "passed"
    assert manifest["quality_gate"]["run_id"] == "gate-1"
    con = duckdb.connect(str(pub.path / formats.EVALUATOR_DB), read_only=True)
    try:
        for name, entry in manifest["tables"].items():
            parquet_rows = len(pd.read_parquet(pub.path / entry["parquet"]))
            csv_rows = len(pd.read_csv(pub.path / entry["csv"], sep=";", encoding="utf-8-sig"))
            db_rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert entry["rows"] == parquet_rows == csv_rows == db_rows, name
    finally:
        con.close()


def test_csv_is_for_danish_excel(publication: Publication) -> None:
    raw = (publication.path / "csv" / "fct_selfbooking_share.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel detects the encoding
    header, first = raw[3:].decode("utf-8").splitlines()[:2]
    assert header.startswith("month;level;unit_code;")
    df = pd.read_csv(publication.path / "csv" / "fct_selfbooking_share.csv", sep=";",
                     decimal=",", encoding="utf-8-sig")
    parquet = pd.read_parquet(publication.path / "parquet" / "fct_selfbooking_share.parquet")
    pd.testing.assert_series_equal(df["selfbooking_share_pct"], parquet["selfbooking_share_pct"]
                                   .astype(float), check_exact=False, check_dtype=False)
    assert re.search(r";\d+,\d+;", raw.decode("utf-8-sig")), "decimal comma expected"


def test_published_values_are_the_marts_where_not_suppressed(
    publication: Publication, world: World
) -> None:
    marts = indicator_marts(world)
    published = _published_frames(publication)
    for name, spec in indicator_specs().items():
        truth = marts[name].reset_index(drop=True)
        pub = published[name]
        keys = list(spec.dimensions)
        merged = truth.merge(pub, on=keys, suffixes=("_true", ""), validate="one_to_one")
        assert len(merged) == len(truth) == len(pub)
        for col in spec.counts:
            shown = ~merged[col + FLAG_SUFFIX]
            assert (merged.loc[shown, col] == merged.loc[shown, col + "_true"]).all(), col
            assert merged.loc[~shown, col].isna().all()
            small = merged[col + "_true"].between(1, 4)
            assert merged.loc[small, col + FLAG_SUFFIX].all(), f"{name}.{col}: small cell shown"


@pytest.mark.parametrize("table", ["fct_selfbooking_share", "fct_akasse_participation",
                                   "fct_experiment_compliance"])
def test_suppressed_cells_cannot_be_recovered_from_the_publication(
    publication: Publication, world: World, table: str
) -> None:
    spec = indicator_specs()[table]
    truth = indicator_marts(world)[table]
    pub = pd.read_parquet(publication.path / "parquet" / f"{table}.parquet")
    keys = list(spec.dimensions)
    merged = pub.merge(truth, on=keys, suffixes=("", "_true"))
    # equations never cross months: an attack on some months is a whole attack on them
    bounds = []
    for month in sorted(merged["month"].unique())[6::48]:
        sub = merged[merged["month"] == month].reset_index(drop=True)
        true = sub[keys + [c + "_true" for c in spec.additive]].rename(
            columns=lambda c: c.removesuffix("_true"))
        bounds += attacker_bounds({table: sub}, {table: true}, {table: spec}, [])
    assert bounds
    recovered = [b for b in bounds if b[5] - b[4] < 1]
    assert not recovered, f"recovered from published totals: {recovered[:5]}"


def test_no_person_identifier_is_published(publication: Publication, world: World) -> None:
    identifiers = set(world.spells["person_key"]) | set(world.spells["spell_key"])
    cpr_like = re.compile(r"\d{6}-?\d{4}")
    con = duckdb.connect(str(publication.path / formats.EVALUATOR_DB), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for name in names:
            df = con.execute(f'SELECT * FROM "{name}"').df()
            assert not {"person_key", "spell_key", "cpr"} & set(df.columns), name
            for col in df.columns:
                values = set(df[col].dropna().astype(str))
                assert not values & identifiers, f"{name}.{col} holds person keys"
                assert not any(cpr_like.search(v) for v in values if df[col].dtype == object)
    finally:
        con.close()
    for path in publication.path.rglob("*"):
        if path.suffix in {".csv", ".json", ".html"}:
            text = path.read_text(encoding="utf-8-sig")
            assert not any(k in text for k in list(identifiers)[:2000]), path


def test_identifier_guard_names_table_column_and_row() -> None:
    with pytest.raises(IdentifierInPublication, match="spell_key"):
        assert_no_identifiers("t", pd.DataFrame({"spell_key": ["x"]}))
    leaked = pd.DataFrame({"unit_code": ["101", "0123456789abcdef0123-20200101"]})
    with pytest.raises(IdentifierInPublication, match=r"'t'.*'unit_code'.*row 1"):
        assert_no_identifiers("t", leaked)
    assert_no_identifiers("t", pd.DataFrame({"unit_code": ["101", "AKA", "DK"]}))


def test_new_publication_never_touches_an_old_one(small_warehouse: Path, tmp_path: Path) -> None:
    warehouse = small_warehouse
    first = publish(warehouse, tmp_path, GATE, bootstrap_replicates=20, docs=False, report=False,
                    now=datetime(2026, 11, 21, 3, 15, tzinfo=UTC))
    before = {p: p.stat().st_mtime_ns for p in first.path.rglob("*")}
    second = publish(warehouse, tmp_path, GATE, bootstrap_replicates=20, docs=False, report=False,
                     now=datetime(2026, 11, 21, 3, 15, tzinfo=UTC))
    assert first.version == "2026-11-21T031500Z" and second.version != first.version
    assert {p: p.stat().st_mtime_ns for p in first.path.rglob("*")} == before
    assert verify(first.path) == [] and verify(second.path) == []
    assert versioning.latest_version(tmp_path) == second.version
    assert versioning.list_versions(tmp_path) == sorted([first.version, second.version])


def test_interrupted_publication_leaves_nothing_visible(
    small_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = small_warehouse
    old = publish(warehouse, tmp_path, GATE, bootstrap_replicates=20, docs=False, report=False)

    def crash(*args, **kwargs):
        raise RuntimeError("disk full half-way through the publication")

    monkeypatch.setattr(formats, "write_duckdb", crash)  # parquet and CSV are already written
    with pytest.raises(RuntimeError, match="half-way"):
        publish(warehouse, tmp_path, GATE, bootstrap_replicates=20, docs=False, report=False)
    assert versioning.list_versions(tmp_path) == [old.version]
    assert versioning.latest_version(tmp_path) == old.version
    leftovers = [p.name for p in tmp_path.iterdir()
                 if p.name not in {old.version, versioning.LATEST_FILE}]
    assert leftovers == []


def test_a_failed_quality_gate_refuses_the_publication(
    small_warehouse: Path, tmp_path: Path
) -> None:
    """Outside Dagster too (CLI, scripts): the newest gate run decides."""
    failed = tmp_path / "failed.duckdb"
    shutil.copy(small_warehouse, failed)
    con = duckdb.connect(str(failed))
    try:
        con.register("_r", gate_results("gate-2", passed=False))
        con.execute("INSERT INTO quality.rule_results BY NAME SELECT * FROM _r")
    finally:
        con.close()
    with pytest.raises(QualityGateFailed, match="conversations.job_booking_method"):
        publish(failed, tmp_path / "published", docs=False, report=False)
    assert versioning.list_versions(tmp_path / "published") == []
