"""One benchmark stage per process: ``python -m bench.stages <stage> <workdir>``.

Each stage prints one JSON line ``{"rows": N, ...}`` as its last output line; bench.run
measures its wall time, CPU time and peak memory from the outside (os.wait4), so the figures
include everything the stage's process did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ltu_platform.settings import REPO_ROOT

NEWEST_MONTH = "2024-12"  # held back, then delivered as "one new month" (issue 7)


def _paths(work: Path) -> dict[str, Path]:
    return {
        "landing": work / "landing",
        "truth": work / "truth",
        "warehouse": work / "warehouse" / "ltu.duckdb",
        "quality": work / "quality",
        "mlflow": work / "mlflow",
        "published": work / "published",
    }


def simulate(work: Path, seed: int) -> dict:
    from ltu_sim import simulate as run

    p = _paths(work)
    manifest = run(p["landing"], p["truth"], scale="national", seed=seed, defects="default", progress=False)
    rows = sum(f.get("rows", 0) for f in manifest.get("files", []) if isinstance(f, dict))
    return {"rows": rows}


def _deliveries(work: Path, newest: bool) -> list:
    from ltu_platform.ingest.discovery import list_all_deliveries

    return [d for d in list_all_deliveries(str(_paths(work)["landing"]))
            if (d.partition == NEWEST_MONTH) == newest]


def ingest(work: Path, newest: bool = False) -> dict:
    from ltu_platform.ingest.loading import load_partition

    p = _paths(work)
    p["warehouse"].parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with duckdb.connect(str(p["warehouse"])) as con:
        for d in _deliveries(work, newest):
            rows += load_partition(con, str(p["landing"]), d.dataset, d.partition).rows_in
    return {"rows": rows}


def dbt_build(work: Path, full_refresh: bool = True) -> dict:
    p = _paths(work)
    env = {**os.environ, "LTU_WAREHOUSE": str(p["warehouse"])}
    cmd = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(REPO_ROOT / "dbt_project"),
           "--profiles-dir", str(REPO_ROOT / "dbt_project"), "--exclude", "test_type:unit", "--quiet",
           "--target-path", str(work / "dbt_target")]
    if full_refresh:
        cmd.append("--full-refresh")
    subprocess.run(cmd, env=env, check=True)
    with duckdb.connect(str(p["warehouse"]), read_only=True) as con:
        rows = con.execute("select count(*) from marts.fct_conversations").fetchone()[0]
    return {"rows": rows}


def quality(work: Path) -> dict:
    from ltu_platform.quality.gate import run_gate

    p = _paths(work)
    result = run_gate(p["warehouse"], p["quality"])
    return {"rows": int(result.reconciliation["rows_in"].sum()), "passed": bool(result.passed)}


def _features(work: Path):
    with duckdb.connect(str(_paths(work)["warehouse"]), read_only=True) as con:
        return con.execute("select * from marts.fct_risk_features").df()


def training(work: Path, tracking_uri: str) -> dict:
    from ml.oracle import load_true_probabilities
    from ml.pipeline import train_and_register

    features = _features(work)
    result = train_and_register(features, tracking_uri, truth=load_true_probabilities(_paths(work)["truth"]))
    return {
        "rows": int(features["ltu"].notna().sum()),
        "xgboost_auc": round(result.metrics["xgboost"]["roc_auc"], 4),
        "logreg_auc": round(result.metrics["logreg"]["roc_auc"], 4),
        "oracle_auc": None if result.oracle_auc is None else round(result.oracle_auc, 4),
        "model_version": result.model_version,
        "promoted": result.promoted,
    }


def scoring(work: Path, tracking_uri: str) -> dict:
    from ml.scoring import score_open_spells

    result = score_open_spells(_features(work), tracking_uri)
    scored = getattr(result, "scores", None)
    return {"rows": int(len(scored)) if scored is not None else 0}


def publish(work: Path, tracking_uri: str) -> dict:
    from ltu_platform.publish.publication import publish as run

    p = _paths(work)
    publication = run(p["warehouse"], p["published"], champion_tracking_uri=tracking_uri)
    manifest = getattr(publication, "manifest", {}) or {}
    rows = sum(t.get("rows", 0) for t in manifest.get("tables", {}).values())
    return {"rows": rows}


def main() -> None:
    stage, work = sys.argv[1], Path(sys.argv[2])
    seed = int(os.environ.get("BENCH_SEED", "42"))
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    runs = {
        "simulate": lambda: simulate(work, seed),
        "ingest": lambda: ingest(work),
        "dbt": lambda: dbt_build(work),
        "quality": lambda: quality(work),
        "training": lambda: training(work, uri),
        "scoring": lambda: scoring(work, uri),
        "publish": lambda: publish(work, uri),
        "ingest_new_month": lambda: ingest(work, newest=True),
        "dbt_incremental": lambda: dbt_build(work, full_refresh=False),
    }
    print(json.dumps(runs[stage](), default=str))


if __name__ == "__main__":
    main()
