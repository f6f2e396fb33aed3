"""Session fixtures of the ML tests: a real MLflow server on a free port, a feature mart with
its truth, a real DuckDB warehouse holding it, and one trained-and-registered champion."""

from __future__ import annotations

import os

import duckdb
import pytest

from ml.config import TrainConfig
from ml.tracking_server import TrackingServer, free_port
from tests.ml.mart_fixture import make_mart

# Small enough to stay fast, large enough for the oracle comparison to be meaningful.
SPELLS_PER_YEAR = 5000
TEST_CONFIG = TrainConfig(learning_rate=0.15, n_estimators=300, early_stopping_rounds=20, shap_sample=1000)


@pytest.fixture(scope="session", autouse=True)
def _ml_env():
    saved = {k: os.environ.get(k) for k in ("LTU_PSEUDO_KEY", "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")}
    os.environ["LTU_PSEUDO_KEY"] = "test-key"
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    with TrackingServer(tmp_path_factory.mktemp("mlflow"), free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def mart_and_truth():
    return make_mart(SPELLS_PER_YEAR)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory, mart_and_truth):
    """A warehouse file with ``marts.fct_risk_features`` as the dbt project shapes it."""
    path = tmp_path_factory.mktemp("warehouse") / "ltu.duckdb"
    mart, _ = mart_and_truth
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.register("mart", mart)
        con.execute("create table marts.fct_risk_features as select * from mart")
    return path


@pytest.fixture(scope="session")
def champion(mlflow_server, mart_and_truth):
    """The first registered version: trained on the mart, promoted by the gate."""
    from ml.pipeline import train_and_register

    mart, truth = mart_and_truth
    return train_and_register(mart, mlflow_server.uri, TEST_CONFIG, truth=truth, tags={"dagster_run_id": "pytest"})
