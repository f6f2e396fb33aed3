"""Child processes of the operations tests: the real platform code, run in its own process so
that the test can SIGKILL it, or run two of them at once.

    python -m tests.operations.children <command> [args …]

Kill points are made deterministic without any hook in the platform code: ``pause_at`` wraps
one platform function *in this child only* so that, when it is reached, the child prints
``PAUSED <label>`` and then sleeps until it is killed. The parent reads that line and sends
SIGKILL, so the crash always happens at the same place (e.g. inside the open DuckDB
transaction of a partition load, or after the model is logged but before the gate decides).
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

PAUSED = "PAUSED"
READY = "READY"
DONE = "DONE"


def say(*parts: object) -> None:
    print(*parts, flush=True)


def pause_at(owner: object, name: str, label: str, nth: int = 1, before: bool = False) -> None:
    """Replace ``owner.name`` so that its ``nth`` call announces itself and waits to be killed.

    ``before``: pause before calling the original (else after it returned).
    """
    original: Callable = getattr(owner, name)
    calls = {"n": 0}

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        hit = calls["n"] == nth
        if hit and before:
            _wait_for_kill(label)
        result = original(*args, **kwargs)
        if hit:
            _wait_for_kill(label)
        return result

    setattr(owner, name, wrapper)


def _wait_for_kill(label: str) -> None:
    say(PAUSED, label)
    time.sleep(600)
    raise SystemExit(f"{label}: not killed within 600 s")


@click.group()
def cli() -> None:
    """Platform steps as child processes of the operations tests."""


@cli.command()
@click.argument("job_name")
@click.argument("dataset")
@click.argument("partition")
@click.argument("go_file", type=click.Path(path_type=Path))
def dagster_job(job_name: str, dataset: str, partition: str, go_file: Path) -> None:
    """Load one dataset's partition through an ingestion job with ``dg.execute_job`` on the
    instance in DAGSTER_HOME (as a sensor's run request does), starting when ``go_file``
    exists, so that two children start together."""
    import dagster as dg
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from ltu_platform.settings import REPO_ROOT

    repository = ReconstructableRepository.for_module(
        "tests.operations.ingestion_location", "defs", working_directory=str(REPO_ROOT)
    )
    job = repository.get_reconstructable_job(job_name)
    with dg.DagsterInstance.get() as instance:
        say(READY)
        while not go_file.exists():
            time.sleep(0.01)
        with dg.execute_job(job, instance=instance, tags={"dagster/partition": partition},
                            asset_selection=[dg.AssetKey(["raw", dataset])]) as result:
            say(DONE, json.dumps({"run_id": result.run_id, "success": result.success}))


@cli.command()
@click.argument("warehouse", type=click.Path(path_type=Path))
@click.argument("landing")
@click.option("--pause-in-load", type=int, default=0,
              help="pause inside the transaction of the n-th partition load (0: never)")
def ingest(warehouse: Path, landing: str, pause_in_load: int) -> None:
    """``ingest_all`` of the landing zone into the warehouse."""
    from ltu_platform.ingest import ingest_all, loading

    if pause_in_load:
        # Called after the partition's rows were deleted and inserted, before its load-log row
        # and the commit: the transaction holds the new rows uncommitted.
        pause_at(loading, "_check_nothing_lost", "in-transaction", nth=pause_in_load)
    reports = ingest_all(warehouse, landing)
    say(DONE, len(reports))


@cli.command()
@click.argument("mart", type=click.Path(path_type=Path))
@click.argument("tracking_uri")
@click.option("--pause", type=click.Choice(["none", "before-model", "before-gate"]), default="none")
def train(mart: Path, tracking_uri: str, pause: str) -> None:
    """``train_and_register`` on a feature mart (Parquet) against the MLflow server."""
    import pandas as pd

    from ml import pipeline, registry
    from tests.operations.scenarios import TRAIN_CONFIG

    if pause == "before-model":  # the run is open, metrics and plots logged, no model yet
        pause_at(pipeline, "_log_model", pause, before=True)
    elif pause == "before-gate":  # the model is logged and registered, no alias set yet
        pause_at(registry, "decide", pause, before=True)
    result = pipeline.train_and_register(pd.read_parquet(mart), tracking_uri, TRAIN_CONFIG)
    say(DONE, json.dumps({"version": result.model_version, "promoted": result.promoted}))


@cli.command()
@click.argument("warehouse", type=click.Path(path_type=Path))
@click.argument("published_dir", type=click.Path(path_type=Path))
@click.option("--pause-mid-write", is_flag=True, help="pause after the tables are written to staging")
def publish(warehouse: Path, published_dir: Path, pause_mid_write: bool) -> None:
    """One publication of the warehouse."""
    from ltu_platform.publish import formats
    from ltu_platform.publish.publication import publish as publish_version

    if pause_mid_write:  # Parquet and CSV written into staging, more files still to come
        pause_at(formats, "write_duckdb", "mid-write", before=True)
    pub = publish_version(warehouse, published_dir, quality_gate={"status": "passed"},
                          bootstrap_replicates=20, docs=False, report=False)
    say(DONE, pub.version)


if __name__ == "__main__":
    sys.exit(cli())
