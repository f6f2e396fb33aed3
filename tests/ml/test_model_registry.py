"""The trained model against the truth, the promotion gate, privacy of artifacts, and loading
the champion in a fresh process; all through a real MLflow server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient

from ltu_platform.settings import REPO_ROOT
from ml.config import TrainConfig
from ml.pipeline import train_and_register
from ml.registry import CHALLENGER, CHAMPION, MODEL_NAME
from ml.split import open_spells

# Ten digits standing alone (not part of a number, hash or id) that start with a valid DDMM:
# what a CPR number looks like in text (2147483647, int32's maximum in the booster, is not).
CPR_LIKE = re.compile(r"(?<![\w.+\-])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{6}(?![\w.])")


def test_xgboost_is_close_to_the_oracle_and_beats_the_baseline(champion):
    auc = champion.metrics["xgboost"]["roc_auc"]
    assert champion.oracle_auc is not None
    assert auc >= champion.oracle_auc - 0.02, (auc, champion.oracle_auc)
    assert auc > champion.metrics["logreg"]["roc_auc"]
    assert champion.metrics["xgboost"]["ece"] <= 0.03


def test_first_version_becomes_champion_with_card_and_tags(champion, mlflow_server):
    client = MlflowClient(mlflow_server.uri)
    mv = client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    assert champion.promoted and mv.version == champion.model_version
    for section in ("Label and horizon", "By group", "Known limitations", "Human oversight (R-PROF-6)"):
        assert section in mv.description
    assert {"git_commit", "data_snapshot", "dagster_run_id", "run_id"} <= set(mv.tags)
    assert mv.tags["dagster_run_id"] == "pytest"
    assert mv.tags["gate_decision"] == "promoted"


def test_the_gate_refuses_a_worse_model_and_tags_the_reason(champion, mlflow_server, mart_and_truth):
    mart, _ = mart_and_truth
    weak = TrainConfig(n_estimators=2, max_depth=1, learning_rate=0.05, early_stopping_rounds=1,
                       logreg_max_rows=2000, no_origin_max_rows=2000, shap_sample=200)
    result = train_and_register(mart, mlflow_server.uri, weak)
    client = MlflowClient(mlflow_server.uri)
    assert not result.promoted
    mv = client.get_model_version(MODEL_NAME, result.model_version)
    assert mv.tags["gate_decision"] == "refused"
    assert "below the champion" in mv.tags["gate_reasons"]
    assert client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version == champion.model_version
    assert client.get_model_version_by_alias(MODEL_NAME, CHALLENGER).version == result.model_version


def _artifact_text(dest: Path, tracking_uri: str, **where) -> str:
    """Every text file under a run's artifacts or a registered model version, concatenated."""
    local = Path(mlflow.artifacts.download_artifacts(dst_path=str(dest), tracking_uri=tracking_uri, **where))
    texts = []
    for path in local.rglob("*"):
        if path.is_file() and path.suffix not in (".png", ".pkl", ".ubj"):
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


def test_no_identifier_in_any_logged_artifact_or_description(champion, mlflow_server, mart_and_truth, tmp_path):
    mart, truth = mart_and_truth
    client = MlflowClient(mlflow_server.uri)
    text = _artifact_text(tmp_path / "run", mlflow_server.uri, run_id=champion.run_id)
    mlflow.set_registry_uri(mlflow_server.uri)
    text += _artifact_text(tmp_path / "model", mlflow_server.uri,
                           artifact_uri=f"models:/{MODEL_NAME}/{champion.model_version}")
    mv = client.get_model_version(MODEL_NAME, champion.model_version)
    text += mv.description + json.dumps(mv.tags) + json.dumps(client.get_run(champion.run_id).data.params)
    example = next((tmp_path / "model").rglob("input_example.json"))
    assert "age" in example.read_text()  # the example was downloaded and is scanned too
    hex_tokens = set(re.findall(r"[0-9a-f]{20}", text))
    assert not hex_tokens & set(mart["person_key"]), "a person_key leaked into MLflow"
    assert not any(k in text for k in mart["spell_key"].head(2000)), "a spell_key leaked into MLflow"
    assert not set(re.findall(r"\d{10}", text)) & set(truth["cpr"]), "a CPR number leaked into MLflow"
    assert not CPR_LIKE.findall(text), CPR_LIKE.findall(text)[:5]


def test_champion_loads_and_scores_in_a_fresh_process(champion, mlflow_server, mart_and_truth, tmp_path):
    mart, _ = mart_and_truth
    rows = open_spells(mart).head(50).drop(columns=["person_key", "spell_key"])
    rows.to_parquet(tmp_path / "rows.parquet")
    code = f"""
import mlflow, pandas as pd
from ml.feature_frame import input_for_schema
mlflow.set_tracking_uri({mlflow_server.uri!r})
model = mlflow.pyfunc.load_model("models:/{MODEL_NAME}@{CHAMPION}")
rows = pd.read_parquet({str(tmp_path / 'rows.parquet')!r})
out = model.predict(input_for_schema(rows, model.metadata.get_input_schema()))
out.to_parquet({str(tmp_path / 'out.parquet')!r})
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert len(out) == 50
    assert out["probability"].between(0, 1).all()
    assert out["at_risk"].isin([True, False]).all()
    assert (out["at_risk"] == (out["probability"] >= champion.threshold)).all()
    assert out["risk_group"].str.len().gt(0).all() and out["top_reasons"].str.len().gt(0).all()
