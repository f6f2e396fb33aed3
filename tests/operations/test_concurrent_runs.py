"""Issue 7 §3: two runs that both write the warehouse, launched at once, do not collide.

Two OS processes each run one partition of ``ingest_job`` with ``dg.execute_job`` on one real
Dagster instance (temporary DAGSTER_HOME with the project's ``orchestration/dagster.yaml``),
as the sensor, the schedule and a manual run would. Both must succeed, nothing may fail on
DuckDB's file lock, and the pool ``duckdb_warehouse`` must have serialised the two write
steps: their STEP_START … STEP_SUCCESS intervals do not overlap although the runs do.

The second run is released the moment the first one launches its write step's process (the
executor has claimed the pool's one slot by then: STEP_WORKER_STARTING). Releasing both at the same instant would test Dagster's SQLite slot
claim instead, which is not atomic across processes (a SELECT … FOR UPDATE is a no-op in
SQLite): two claims in the same millisecond can both win. The platform does not depend on it
alone: ``WarehouseResource`` waits for DuckDB's lock and dbt-duckdb retries its connection, so
such a pair still succeeds, one waiting for the other (production instances use Postgres,
whose claim is atomic).

The second run's executor must report that the pool blocked its step, and its step starts
only after the first one's succeeded. ``test_without_the_pool_nothing_blocks`` runs the same
scenario on an instance without the pool config: nothing is blocked there, which shows the
test can fail (the runs still succeed: the resource waits for DuckDB's lock).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ltu_platform.settings import REPO_ROOT
from orchestration.defs.ingestion.assets import asset_key_for
from orchestration.defs.ingestion.partitions import DFDG_MONTHS
from orchestration.defs.resources import WAREHOUSE_POOL

from .children import DONE, READY
from tests.ingest.landing_fixture import write_csv

from .scenarios import Child, bulk_rows, child_env

MONTHS = ["2020-01", "2020-02"]
ROWS_PER_MONTH = 30_000
BLOCKED = f"step blocked by limit for pool {WAREHOUSE_POOL}"  # Dagster's engine event
LOCK_ERRORS = ("could not set lock", "conflicting lock", "io error")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    for month in MONTHS:
        write_csv(path, "placements", month, bulk_rows("placements", month, ROWS_PER_MONTH))
    return path


def _dagster_home(root: Path, with_pool: bool) -> Path:
    home = root / "dagster_home"
    home.mkdir()
    if with_pool:
        shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    else:
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def _run_two_at_once(root: Path, landing: Path, with_pool: bool):
    home = _dagster_home(root, with_pool)
    warehouse = root / "warehouse" / "ltu.duckdb"
    env = child_env(DAGSTER_HOME=home, LTU_WAREHOUSE=warehouse, LTU_LANDING_URL=landing)
    instance = dg.DagsterInstance.from_config(str(home))
    instance.add_dynamic_partitions(DFDG_MONTHS.name, MONTHS)
    go = [root / f"go-{month}" for month in MONTHS]
    children = [Child.python("dagster-job", "ingest_job", "placements", month, str(g), env=env)
                for month, g in zip(MONTHS, go)]
    for child in children:  # both have loaded Dagster and the instance
        child.wait_for_prefix(READY)
    go[0].touch()
    _wait_for_step_launch(instance)
    go[1].touch()
    runs = []
    for child in children:
        done = json.loads(child.wait_for_prefix(DONE).split(" ", 1)[1])
        child.finish()
        runs.append((done, child.output(last=10_000)))
    return instance, warehouse, runs


def _wait_for_step_launch(instance: dg.DagsterInstance, timeout: float = 120.0) -> None:
    """Until the first run launches its write step (with the pool, after claiming the slot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _step_launched(instance):
            return
        time.sleep(0.02)
    raise TimeoutError("the first run did not launch its step")


def _step_launched(instance: dg.DagsterInstance) -> bool:
    return any(
        r.dagster_event is not None and r.dagster_event.event_type_value == "STEP_WORKER_STARTING"
        for run in instance.get_runs() for r in instance.all_logs(run.run_id)
    )


def _event_times(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    times = {}
    for record in instance.all_logs(run_id):
        if record.dagster_event is not None:
            times.setdefault(record.dagster_event.event_type_value, record.timestamp)
    return times


def _messages(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(
        f"{r.user_message} {r.dagster_event.event_specific_data if r.dagster_event else ''}"
        for r in instance.all_logs(run_id)
    ).lower()


def _intervals(instance, runs, start: str, end: str) -> list[tuple[float, float]]:
    return [(t[start], t[end]) for t in (_event_times(instance, done["run_id"]) for done, _ in runs)]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_two_warehouse_writing_runs_at_once_are_serialised_by_the_pool(tmp_path, landing):
    instance, warehouse, runs = _run_two_at_once(tmp_path, landing, with_pool=True)

    for done, output in runs:
        assert done["success"], output
        assert instance.get_run_by_id(done["run_id"]).status == dg.DagsterRunStatus.SUCCESS
        text = _messages(instance, done["run_id"]) + output.lower()
        assert not any(e in text for e in LOCK_ERRORS), text[-3000:]
    # The runs were in flight together, their warehouse steps one after the other.
    run_a, run_b = _intervals(instance, runs, "PIPELINE_START", "PIPELINE_SUCCESS")
    assert _overlap(run_a, run_b)
    step_a, step_b = _intervals(instance, runs, "STEP_START", "STEP_SUCCESS")
    assert not _overlap(step_a, step_b), (step_a, step_b)
    first, second = (runs[0][0]["run_id"], runs[1][0]["run_id"])
    assert BLOCKED not in _messages(instance, first)
    assert BLOCKED in _messages(instance, second), _messages(instance, second)[-3000:]
    # The pool the assets declare is the one the instance limited to one slot.
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = dict(con.execute("SELECT _partition, count(*) FROM raw.placements GROUP BY 1").fetchall())
        loads = con.execute("SELECT count(*) FROM raw.load_log WHERE status = 'loaded'").fetchone()[0]
    assert counts == {month: ROWS_PER_MONTH for month in MONTHS}
    assert loads == len(MONTHS)
    materialized = instance.get_materialized_partitions(asset_key_for("placements"))
    assert materialized == set(MONTHS)


def test_without_the_pool_nothing_blocks(tmp_path, landing):
    """The control: the same two runs on an instance without the pool limit: no step is
    blocked, which is what the assertion above would catch if the pool were removed."""
    instance, _, runs = _run_two_at_once(tmp_path, landing, with_pool=False)

    assert all(done["success"] for done, _ in runs)
    assert not any(BLOCKED in _messages(instance, done["run_id"]) for done, _ in runs)
