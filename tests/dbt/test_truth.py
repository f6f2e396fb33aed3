"""THE PROOF: on a clean test-scale simulation every indicator mart equals the simulator's
ground truth (ltu_sim writes truth/indicators/<mart>.parquet from its own implementation).

Counts must be equal, ratios equal to 1e-9, and the set of (month, level, unit) rows the same.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.dbt.dbt_runner import run_dbt

INDICATOR_MARTS = [
    "fct_selfbooking_share",
    "fct_joint_conversation_indicators",
    "fct_akasse_participation",
    "fct_experiment_compliance",
    "fct_pilot_intake",
]
KEYS = {"fct_akasse_participation": ["month", "level", "unit_code", "joint_number"]}
SEED = 11


@pytest.fixture(scope="module")
def simulated_build(tmp_path_factory) -> tuple[Path, Path]:
    """Simulate (clean), ingest and `dbt build` once for all marts; returns (warehouse, truth)."""
    from ltu_platform.ingest import ingest_all
    from ltu_sim.simulate import simulate

    root = tmp_path_factory.mktemp("truth")
    landing, truth = root / "landing", root / "truth"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LTU_PSEUDO_KEY", "test-key")
        simulate(landing, truth, scale="test", seed=SEED, defects="clean")
        warehouse = root / "warehouse" / "ltu.duckdb"
        warehouse.parent.mkdir()
        ingest_all(warehouse, str(landing))
        run_dbt(warehouse, "build")
    return warehouse, truth


def _mart(warehouse: Path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{name}").df()


def _aligned(ours: pd.DataFrame, truth: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    for frame in (ours, truth):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
        frame["unit_code"] = frame["unit_code"].astype(str)
    ours = ours.sort_values(keys).reset_index(drop=True)
    truth = truth.sort_values(keys).reset_index(drop=True)
    return ours, truth


@pytest.mark.parametrize("mart", INDICATOR_MARTS)
def test_indicator_mart_equals_simulator_truth(simulated_build, mart):
    warehouse, truth_dir = simulated_build
    keys = KEYS.get(mart, ["month", "level", "unit_code"])
    ours, truth = _aligned(_mart(warehouse, mart), pd.read_parquet(truth_dir / "indicators" / f"{mart}.parquet"), keys)

    assert sorted(ours.columns) == sorted(truth.columns), "the mart's columns are the truth's columns"
    assert len(truth) > 0, f"the truth of {mart} is empty: nothing would be proven"
    our_rows = set(map(tuple, ours[keys].astype(str).to_numpy()))
    true_rows = set(map(tuple, truth[keys].astype(str).to_numpy()))
    assert our_rows == true_rows, (
        f"{mart}: rows only in dbt {sorted(our_rows - true_rows)[:5]}, only in truth {sorted(true_rows - our_rows)[:5]}"
    )

    for column in truth.columns:
        if column in keys:
            continue
        got, expected = ours[column], truth[column]
        if pd.api.types.is_float_dtype(expected) or pd.api.types.is_float_dtype(got):
            g, e = got.astype(float).to_numpy(), expected.astype(float).to_numpy()
            same = np.isclose(g, e, rtol=0, atol=1e-9) | (np.isnan(g) & np.isnan(e))
        else:
            same = (got.astype(str).to_numpy() == expected.astype(str).to_numpy())
        if not same.all():
            bad = ours.loc[~same, keys].assign(dbt=got[~same].to_numpy(), truth=expected[~same].to_numpy())
            pytest.fail(f"{mart}.{column}: {int((~same).sum())} of {len(same)} rows differ, e.g.\n{bad.head(10)}")


SPELL_COLUMNS = ["spell_end", "akasse_code", "municipality_code", "jobcenter_code", "ltu", "ltu_26w", "censored",
                 "pilot_participant"]


def test_contact_courses_equal_simulator_spells(simulated_build):
    """Spells (start, end), their units and labels equal truth/spells.parquet, spell for spell."""
    from ltu_platform.pseudonym import person_key

    warehouse, truth_dir = simulated_build
    truth = pd.read_parquet(truth_dir / "spells.parquet")
    truth["person_key"] = [person_key(c, b"test-key") for c in truth.pop("cpr")]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ours = con.execute(f"select person_key, spell_start, {', '.join(SPELL_COLUMNS)} from marts.fct_contact_courses").df()
    for frame in (ours, truth):
        frame["spell_start"] = pd.to_datetime(frame["spell_start"])
        frame["spell_end"] = pd.to_datetime(frame["spell_end"])
    merged = ours.merge(truth, on=["person_key", "spell_start"], how="outer", suffixes=("", "_truth"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged["_merge"].value_counts().to_dict()
    assert len(merged) > 1000
    for column in SPELL_COLUMNS:
        got, expected = merged[column].astype(str), merged[f"{column}_truth"].astype(str)
        assert (got == expected).all(), f"{column}: {merged.loc[got != expected, [column, column + '_truth']].head()}"
