"""On the simulator, the pilot evaluation's 95 % interval covers the true ATT.

The simulator writes the true effect (``truth/pilot_effect.json``: mean over target
participants of the untreated minus the treated probability) and per spell the target and
participant flags and the label (``truth/spells.parquet``). The covariates are built here from
the register deliveries of the landing zone (persons, person_year: their contracts' columns),
as known at the spell start, so the estimator sees only what the platform would.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ltu_platform.publish.evaluation import pilot

simulate = pytest.importorskip("ltu_sim.simulate").simulate

SPELLS_PER_YEAR = 4_000  # enough pilot participants for an informative interval, fast


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("simulation")
    simulate(root / "landing", root / "truth", scale="test", seed=42, defects="clean",
             spells_per_year=SPELLS_PER_YEAR, file_format="parquet")
    return root


def _register(root: Path, dataset: str) -> pd.DataFrame:
    files = sorted((root / "landing" / "register" / dataset).rglob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _covariates(root: Path, spells: pd.DataFrame) -> pd.DataFrame:
    """Register status of the year before the start (docs/architecture.md, features)."""
    persons = _register(root, "persons")
    years = _register(root, "person_year")
    f = spells[["spell_key", "cpr", "spell_start"]].assign(
        year=spells["spell_start"].dt.year - 1
    ).merge(persons[["cpr", "birth_date", "sex", "origin"]], on="cpr", how="left")
    f["age"] = (f["spell_start"] - pd.to_datetime(f["birth_date"])).dt.days // 365.25
    f = f.merge(
        years[["cpr", "year", "education_level", "wage_income", "weeks_public_support",
               "children_in_custody"]].rename(columns={
                   "wage_income": "wage_income_last_year",
                   "weeks_public_support": "weeks_public_support_last_year"}),
        on=["cpr", "year"], how="left",
    )
    three = pd.concat(
        [years[["cpr", "year", "weeks_public_support"]].assign(year=years["year"] + k)
         for k in (0, 1, 2)]
    ).groupby(["cpr", "year"])["weeks_public_support"].sum().rename("weeks_public_support_3y")
    f = f.merge(three.reset_index(), on=["cpr", "year"], how="left")
    f["prior_spells"] = f.groupby("cpr")["spell_start"].rank(method="first") - 1
    return f.drop(columns=["cpr", "birth_date", "year", "spell_start"])


def test_interval_covers_the_simulators_true_effect(simulation: Path) -> None:
    spells = pd.read_parquet(simulation / "truth" / "spells.parquet")
    spells["spell_start"] = pd.to_datetime(spells["spell_start"])
    spells["spell_key"] = np.arange(len(spells)).astype(str)
    truth = json.loads((simulation / "truth" / "pilot_effect.json").read_text(encoding="utf-8"))
    true_att = -truth["att_probability_reduction"]  # ours is the change in P(LTU)

    frame = pilot.analysis_frame(spells, _covariates(simulation, spells))
    effect = pilot.estimate_att(frame, replicates=200)

    assert effect.n_participants >= 50
    assert effect.ci_low <= true_att <= effect.ci_high
    assert effect.ci_high - effect.ci_low < 0.5
