"""The risk model on the real chain: simulator → ingestion → dbt ``fct_risk_features`` → training.

The synthetic mart of ``mart_fixture`` proves the pipeline's mechanics; this proves the model
against the simulator's own ground truth (``truth/spells.parquet``), built once per module.

Two references from the truth, never from the labels:
- the oracle AUC of the true probabilities. The simulator's true probability contains a latent
  "challenge" that only the questionnaire reveals, noisily, and ~40 % of spells have no
  answers; and the pilot's treatment effect, decided after the spell start. No model of the
  mart's columns can reach it (see the xfail below and the report);
- the observable ceiling: the true log-odds regressed on the mart's features of the training
  and validation cohorts (a noise-free target, so close to E[p | what the mart shows]). This is
  what "close to the best possible" means for a model that sees only the mart.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from scipy.special import logit
from sklearn.metrics import roc_auc_score

from ml.config import TrainConfig
from ml.feature_frame import as_categories, model_frame
from ml.features import CODED, MART, QUESTIONS, build_spec
from ml.oracle import load_true_probabilities, true_probability_for
from ml.pipeline import train_and_register
from ml.split import split_by_cohort
from ml.tracking_server import TrackingServer, free_port
from tests.dbt.dbt_runner import run_dbt

SEED = 7
# ~4,200 labelled spells in the test cohort: an AUC standard error of ~0.01, with the chain
# (simulate, ingest, dbt) at about 50 s on 2 cores.
SPELLS_PER_YEAR = 4000
KEY = "test-key"
# The proof uses the shipped defaults; only the SHAP sample is smaller (explanations, not AUC).
CONFIG = TrainConfig(shap_sample=1000)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """(feature mart, truth) from a clean test-scale simulation run through ingestion and dbt."""
    from ltu_platform.ingest import ingest_all
    from ltu_sim import simulate

    root = tmp_path_factory.mktemp("simulation")
    landing, truth_dir, warehouse = root / "landing", root / "truth", root / "ltu.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LTU_PSEUDO_KEY", KEY)
        simulate(landing, truth_dir, scale="test", seed=SEED, defects="clean", spells_per_year=SPELLS_PER_YEAR)
        ingest_all(warehouse, str(landing), key=KEY.encode())
        run_dbt(warehouse, "build", "--select", "+fct_risk_features", "--exclude", "test_type:data", "test_type:unit")
        with duckdb.connect(str(warehouse), read_only=True) as con:
            mart = con.execute(f"select * from {MART}").df()
        truth = load_true_probabilities(truth_dir)
    assert truth is not None
    return mart, truth


@pytest.fixture(scope="module")
def trained(simulated, tmp_path_factory):
    """One run of ``train_and_register`` on the simulated mart, on its own MLflow server.

    Its own server, so this version does not compete with the synthetic champion of the
    session server that other tests inspect.
    """
    mart, truth = simulated
    with TrackingServer(tmp_path_factory.mktemp("mlflow_sim"), free_port()) as server:
        yield train_and_register(mart, server.uri, CONFIG, truth=truth, tags={"dagster_run_id": "pytest-simulation"})


def observable_ceiling(mart, truth) -> float:
    """Test-cohort AUC of the true log-odds as predicted from the mart's features alone."""
    split = split_by_cohort(as_categories(mart, [*CODED, *QUESTIONS]))
    spec = build_spec(split.train)
    seen = pd.concat([split.train, split.validation])
    target = logit(np.clip(true_probability_for(seen, truth), 1e-4, 1 - 1e-4))
    known = ~np.isnan(target)
    reg = xgb.XGBRegressor(tree_method="hist", enable_categorical=True, n_estimators=250, learning_rate=0.1,
                           max_depth=4, n_jobs=2, random_state=0)
    reg.fit(model_frame(seen[known], spec), target[known])
    return float(roc_auc_score(split.test["ltu"].astype(int), reg.predict(model_frame(split.test, spec))))


def test_the_test_cohort_is_large_enough(trained, simulated):
    mart, _ = simulated
    test_cohort = trained.cohorts["test"][0]
    assert (mart["cohort"] == test_cohort).sum() >= 3000


def test_xgboost_beats_the_logistic_baseline_on_the_simulation(trained):
    xgb_auc, logreg_auc = trained.metrics["xgboost"]["roc_auc"], trained.metrics["logreg"]["roc_auc"]
    assert xgb_auc > logreg_auc, (xgb_auc, logreg_auc)
    assert trained.metrics["xgboost"]["ece"] <= CONFIG.gate_max_ece


def test_xgboost_is_within_002_of_the_observable_ceiling(trained, simulated):
    ceiling = observable_ceiling(*simulated)
    auc = trained.metrics["xgboost"]["roc_auc"]
    assert auc >= ceiling - 0.02, (auc, ceiling, trained.oracle_auc)


@pytest.mark.xfail(
    strict=True,
    reason="the simulator's true probability holds a latent challenge unobserved for ~40 % of spells "
    "(no questionnaire) and the pilot's treatment effect; the observable ceiling is ~0.75 against an "
    "oracle of ~0.81 (seed 7), so no model of the mart can come within 0.02. Needs the truth to publish "
    "the probability given the observable features, or a smaller latent effect (ltu_sim owners).",
)
def test_xgboost_is_within_002_of_the_oracle_on_the_simulation(trained):
    assert trained.oracle_auc is not None
    assert trained.metrics["xgboost"]["roc_auc"] >= trained.oracle_auc - 0.02, (trained.metrics["xgboost"], trained.oracle_auc)
