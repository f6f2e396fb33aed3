"""The risk model on the real chain: simulator → ingestion → dbt ``fct_risk_features`` → training.

The synthetic mart of ``mart_fixture`` proves the pipeline's mechanics; this proves the model
against the simulator's own ground truth (``truth/spells.parquet``), built once per module.

The oracle is the truth's probability given what the platform observes
(``true_probability_observable``: the latent challenge integrated out over its posterior given
the questionnaire answers; tests/sim/test_oracle_truth.py proves that construction), so its
AUC is the best a model of the mart can reach in expectation.
"""

from __future__ import annotations

import duckdb
import pytest

from ml.config import TrainConfig
from ml.features import MART
from ml.oracle import load_true_probabilities
from ml.pipeline import train_and_register
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


def test_the_test_cohort_is_large_enough(trained, simulated):
    mart, _ = simulated
    test_cohort = trained.cohorts["test"][0]
    assert (mart["cohort"] == test_cohort).sum() >= 3000


def test_xgboost_beats_the_logistic_baseline_on_the_simulation(trained):
    xgb_auc, logreg_auc = trained.metrics["xgboost"]["roc_auc"], trained.metrics["logreg"]["roc_auc"]
    assert xgb_auc > logreg_auc, (xgb_auc, logreg_auc)
    assert trained.metrics["xgboost"]["ece"] <= CONFIG.gate_max_ece


def test_xgboost_is_within_002_of_the_oracle_on_the_simulation(trained):
    assert trained.oracle_auc is not None
    assert trained.metrics["xgboost"]["roc_auc"] >= trained.oracle_auc - 0.02, (trained.metrics["xgboost"], trained.oracle_auc)
