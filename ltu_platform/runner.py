"""Materialize every asset through Dagster, as `make run` and `ltu run` do.

The runs go to the Dagster instance in ``DAGSTER_HOME``, so they show in the UI afterwards.
Ingestion runs as one single-run backfill per partitions definition (register years, DFDG
months), in process; everything downstream runs as one run of ``platform_job`` with the
multiprocess executor, as under ``dagster dev``: every step in its own process (so no step
inherits another step's DuckDB handle), forked from a server that has loaded the code location
once. The instance's pool limits decide who writes the warehouse.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from ltu_platform.contracts import load_contracts
from ltu_platform.ingest.discovery import list_all_deliveries
from ltu_platform.settings import REPO_ROOT, Settings, load_settings

log = logging.getLogger(__name__)

# platform_job: every step in a fresh process forked from a server that has imported the code
# location once (no step inherits another's DuckDB handle; dagster-dbt leaves one open in its
# process), without paying the imports per step.
FORKSERVER = {"execution": {"config": {"multiprocess": {"start_method": {"forkserver": {}}}}}}
# Ingestion: its steps run one at a time anyway (pool of one) and close their connections;
# in this process they skip the process start-up.
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}


def delivered_partitions(settings: Settings) -> dict[str, list[str]]:
    """The partitions with at least one delivery, by source (register / dfdg)."""
    from orchestration.defs.ingestion.partitions import PARTITIONS_BY_SOURCE

    contracts = load_contracts()
    found: dict[str, set[str]] = {source: set() for source in PARTITIONS_BY_SOURCE}
    for delivery in list_all_deliveries(settings.landing_url):
        found[contracts[delivery.dataset].source].add(delivery.partition)
    return {source: sorted(parts) for source, parts in found.items()}


def register_partitions(instance: dg.DagsterInstance, partitions: dict[str, list[str]]) -> None:
    from orchestration.defs.ingestion.partitions import PARTITIONS_BY_SOURCE

    for source, keys in partitions.items():
        name = PARTITIONS_BY_SOURCE[source].name
        known = set(instance.get_dynamic_partitions(name))
        new = [k for k in keys if k not in known]
        if new:
            instance.add_dynamic_partitions(name, new)


@contextlib.contextmanager
def _mlflow_server(settings: Settings, enabled: bool) -> Iterator[Callable[[], object]]:
    """Launch a temporary MLflow server; yields the wait for it to answer.

    Launched before ingestion so that its start-up overlaps the ingestion runs; training
    waits for it only when it needs it.
    """
    from urllib.parse import urlparse

    from ml.tracking_server import TrackingServer, is_healthy

    if not enabled or is_healthy(settings.mlflow_tracking_uri):  # `make ui` already runs one
        yield lambda: None
        return
    port = urlparse(settings.mlflow_tracking_uri).port or 5000
    server = TrackingServer(settings.mlflow_dir, port=port).launch()
    try:
        yield server.wait_until_healthy
    finally:
        server.stop()


def _execute(job_name: str, instance: dg.DagsterInstance, run_config: dict, tags: dict[str, str] | None = None) -> bool:
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    repository = ReconstructableRepository.for_module(
        "orchestration.definitions", "defs", working_directory=str(REPO_ROOT)
    )
    with dg.execute_job(
        repository.get_reconstructable_job(job_name), instance=instance, tags=tags, raise_on_error=False,
        run_config=run_config,
    ) as result:
        if not result.success:
            print(f"  {job_name} failed: see run {result.run_id} in the Dagster UI", flush=True)
        return result.success


def materialize_everything(with_mlflow_server: bool = False) -> bool:
    settings = load_settings()
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.get()
    partitions = delivered_partitions(settings)
    if not any(partitions.values()):
        raise SystemExit(f"No deliveries in the landing zone {settings.landing_url}: run `ltu simulate` first.")
    register_partitions(instance, partitions)

    from orchestration.defs.ingestion.jobs import JOB_BY_SOURCE

    ok = True
    with _mlflow_server(settings, with_mlflow_server) as mlflow_ready:
        for source in ("register", "dfdg"):  # registers first: facts join them to the DFDG events
            job_name, keys = JOB_BY_SOURCE[source].name, partitions[source]
            print(f"Ingesting {source}: partitions {keys[0]} … {keys[-1]} ({len(keys)})", flush=True)
            ok &= _execute(job_name, instance, IN_PROCESS,
                           {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]})
        mlflow_ready()
        print("Building facts, indicators, quality gate, model and publication …", flush=True)
        platform_ok = _execute("platform_job", instance, FORKSERVER)
    print(f"platform_job {'succeeded' if platform_ok else 'FAILED'}", flush=True)
    return ok and platform_ok
