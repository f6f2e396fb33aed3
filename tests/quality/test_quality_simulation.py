"""Against the simulator's ground truth: every injected registration defect is caught, and a
clean simulation passes the gate with zero failures."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ltu_platform.ingest import ingest_all
from ltu_platform.quality import run_gate
from ltu_sim.simulate import simulate

SPELLS_PER_YEAR = 200  # small and fast; the default defect rates still inject every kind
KEY = b"test-key"


def build(root: Path, defects: str) -> Path:
    simulate(root / "landing", root / "truth", scale="test", seed=11, defects=defects,
             spells_per_year=SPELLS_PER_YEAR)
    ingest_all(root / "warehouse.duckdb", str(root / "landing"), key=KEY)
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("clean"), "clean")


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("defects"), "default")


def detected_rows(warehouse: Path) -> pd.DataFrame:
    """Every row caught: by the gate (quality.quarantine) or by the ingestion (raw.quarantine)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            SELECT dataset, rule_id, count(DISTINCT (source_file, row_number)) AS detected
            FROM quality.quarantine GROUP BY ALL
            UNION ALL
            SELECT dataset, rule, count(DISTINCT (_source_file, _row_number))
            FROM raw.quarantine GROUP BY ALL
            """
        ).df()


def test_clean_simulation_passes_with_zero_failures(clean):
    result = run_gate(clean / "warehouse.duckdb", clean / "quality", run_id="clean")
    failing = result.summary().query("failing > 0")
    assert failing.empty, failing.to_string()
    assert result.passed and result.reconciled


def test_every_injected_defect_is_caught(defective):
    truth = pd.read_parquet(defective / "truth" / "defects.parquet")
    assert len(truth), "the default simulation injects defects"
    result = run_gate(defective / "warehouse.duckdb", defective / "quality", run_id="defects")

    expected = truth.groupby(["dataset", "rule_id"]).size().rename("expected")
    detected = detected_rows(defective / "warehouse.duckdb").set_index(["dataset", "rule_id"])["detected"]
    both = pd.concat([expected, detected], axis=1).fillna(0).astype(int)
    # Per defect kind (each kind has its own rule id): caught exactly as often as injected,
    # and nothing is flagged that was not injected.
    assert (both["expected"] == both["detected"]).all(), both.to_string()
    # The verdict follows the contracts' tolerances, judged here from the truth alone: the
    # gate blocks exactly when an injected blocking defect's share exceeds its tolerance.
    assert result.passed == _expected_verdict(truth, defective / "warehouse.duckdb")
    assert result.reconciled


def _expected_verdict(truth: pd.DataFrame, warehouse: Path) -> bool:
    from ltu_platform.contracts import load_contracts

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for contract in load_contracts().values():
            rows = con.execute(f"SELECT count(*) FROM raw.{contract.dataset}").fetchone()[0]
            for rule in contract.registration_rules:
                injected = int(((truth["dataset"] == contract.dataset) & (truth["rule_id"] == rule.id)).sum())
                if rule.severity == "blocking" and rows and injected / rows > rule.tolerance:
                    return False
    return True
