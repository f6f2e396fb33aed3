"""Issue 7 §4: a run killed with SIGKILL leaves warehouse, registry and publication consistent.

Each test runs the real step in a child process, kills it at a known point (the child says
where it is, see ``children.py``; dbt is killed from its own progress lines), then checks
the state a reader would see, re-runs the step, and compares with a run that never crashed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from ltu_platform.ingest import ingest_all

from .children import DONE, PAUSED
from tests.ingest.landing_fixture import write_csv

from .scenarios import Child, bulk_rows, child_env, table_fingerprints

# ---------------------------------------------------------------------------------------------
# Ingestion: a partition is replaced in one DuckDB transaction (ltu_platform/ingest/loading.py)

MONTHS = ["2020-01", "2020-02", "2020-03", "2020-04"]
ROWS = 4000
BAD_EVERY = 400  # every 400th row breaks a row rule and goes to quarantine


def _deliver(landing: Path, version: int) -> dict[str, tuple[int, int]]:
    """Placements for every month; returns (rows in the file, rows that must be quarantined)."""
    expected = {}
    for k, month in enumerate(MONTHS):
        n = ROWS + 100 * k + 1000 * version  # a re-delivery differs in size from the first one
        rows = bulk_rows("placements", month, n, start=version * 100_000)
        for i in range(0, n, BAD_EVERY):
            rows[i]["placement_reason"] = "ukendt"  # not an allowed value (R-AK-2): quarantined
        write_csv(landing, "placements", month, rows)
        expected[month] = (n, len(range(0, n, BAD_EVERY)))
    return expected


def _partition_state(warehouse: Path) -> dict[str, tuple[int, int, list[tuple]]]:
    """Per partition: data rows, quarantined rows, and its successful load-log rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        data = dict(con.execute("SELECT _partition, count(*) FROM raw.placements GROUP BY 1").fetchall())
        quarantine = dict(con.execute(
            "SELECT _partition, count(*) FROM raw.quarantine WHERE dataset = 'placements' GROUP BY 1").fetchall())
        logs: dict[str, list[tuple]] = {}
        for partition, rows_in, loaded, quarantined in con.execute(
                """SELECT "partition", rows_in, rows_loaded, rows_quarantined FROM raw.load_log
                   WHERE dataset = 'placements' AND status = 'loaded' ORDER BY loaded_at""").fetchall():
            logs.setdefault(partition, []).append((rows_in, loaded, quarantined))
    return {m: (data.get(m, 0), quarantine.get(m, 0), logs.get(m, [])) for m in MONTHS}


def _assert_complete(state, month: str, delivered: tuple[int, int]) -> None:
    rows_in, bad = delivered
    data, quarantined, logs = state[month]
    assert (data, quarantined) == (rows_in - bad, bad), (month, state[month], delivered)
    assert logs[-1] == (rows_in, rows_in - bad, bad), (month, logs)


def _raw_content(warehouse: Path) -> dict:
    """The raw tables without the load's own id and time (they differ between two loads)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM "
                           f"(SELECT * EXCLUDE (_load_id, _loaded_at) FROM raw.{t}) x").fetchone()
            for t in ("placements", "quarantine")
        }


@pytest.mark.parametrize("redelivery", [False, True], ids=["first-load", "redelivery"])
def test_sigkill_inside_a_partition_load_leaves_whole_partitions(tmp_path, redelivery):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse" / "ltu.duckdb"
    before = None
    if redelivery:  # an earlier good load of every month, then corrected files for all of them
        before = _deliver(landing, version=0)
        ingest_all(warehouse, str(landing))
    delivered = _deliver(landing, version=1)

    child = Child.python("ingest", str(warehouse), str(landing), "--pause-in-load", "3", env=child_env())
    child.wait_for_prefix(PAUSED)  # months 1 and 2 committed; month 3's rows inserted, not committed
    child.sigkill()

    state = _partition_state(warehouse)  # the warehouse opens after the crash
    for month in MONTHS[:2]:
        _assert_complete(state, month, delivered[month])
    for month in MONTHS[2:]:
        if redelivery:  # the last good delivery stays whole until a good one replaces it
            _assert_complete(state, month, before[month])
        else:
            assert state[month] == (0, 0, []), (month, state[month])

    ingest_all(warehouse, str(landing))  # the re-run completes

    clean = tmp_path / "clean" / "ltu.duckdb"
    ingest_all(clean, str(landing))
    assert _raw_content(warehouse) == _raw_content(clean)
    state = _partition_state(warehouse)
    for month in MONTHS:
        _assert_complete(state, month, delivered[month])


# ---------------------------------------------------------------------------------------------
# dbt build: each model is replaced inside a transaction by dbt-duckdb (build, rename, drop)

BUILT_SCHEMAS = ("intermediate", "marts")
FACT_CREATED = re.compile(r"OK created sql \w+ model marts\.fct_")
KILL_AFTER_FACTS = 3
BUILD_WITHOUT_TESTS = ("build", "--exclude", "resource_type:test", "resource_type:unit_test")


def _dbt_command(warehouse: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    from tests.dbt.dbt_runner import DBT, DBT_PROJECT_DIR

    target = warehouse.parent / "dbt_target"
    command = [DBT, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(target), "--log-path", str(target / "logs")]
    return command, child_env(LTU_WAREHOUSE=warehouse)


def _built(warehouse: Path) -> dict[str, dict]:
    return {schema: table_fingerprints(warehouse, schema) for schema in BUILT_SCHEMAS}


def test_sigkill_during_dbt_build_leaves_whole_models(tmp_path):
    from datetime import date

    from tests.dbt.dbt_runner import run_dbt
    from tests.dbt.raw_layer import create_raw_layer
    from tests.dbt.synthetic_raw import add_months, deliver, generate

    first = date(2016, 3, 1)
    raw = generate(first, 20, n_persons=60, seed=5)
    warehouse, clean = tmp_path / "crash" / "ltu.duckdb", tmp_path / "clean" / "ltu.duckdb"
    warehouse.parent.mkdir()
    clean.parent.mkdir()
    create_raw_layer(warehouse)
    deliver(raw, warehouse, through_month=add_months(first, 15))
    run_dbt(warehouse, *BUILD_WITHOUT_TESTS)
    previous = _built(warehouse)
    shutil.copy(warehouse, clean)
    for w in (warehouse, clean):  # four more months delivered: the next build changes every mart
        deliver(raw, w, through_month=add_months(first, 19), after_month=add_months(first, 15))
    reference = Child(*_dbt_command(clean, *BUILD_WITHOUT_TESTS))  # the build without a crash

    child = Child(*_dbt_command(warehouse, "build", "--exclude", "test_type:unit", "source:*"))
    for _ in range(KILL_AFTER_FACTS):  # some facts rebuilt, others building or not started
        child.wait_for(FACT_CREATED.search)
    child.sigkill()
    reference.finish()
    expected = _built(clean)

    after = _built(warehouse)  # the warehouse opens
    changed = 0
    for schema in BUILT_SCHEMAS:
        assert set(after[schema]) == set(previous[schema]), f"{schema}: left-over or missing relations"
        for table, fingerprint in after[schema].items():
            assert fingerprint in (previous[schema][table], expected[schema][table]), f"{schema}.{table} is partial"
            changed += fingerprint != previous[schema][table]
    assert changed >= KILL_AFTER_FACTS  # the kill came mid-build, after real changes

    assert "Completed successfully" in Child(*_dbt_command(warehouse, *BUILD_WITHOUT_TESTS)).finish()
    assert _built(warehouse) == expected


# ---------------------------------------------------------------------------------------------
# Training: a version is registered after its run ends, aliases last (ml/registry.py)


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory):
    from ml.tracking_server import TrackingServer, free_port

    with TrackingServer(tmp_path_factory.mktemp("mlflow"), free_port()) as server:
        yield server


def _registry_state(uri: str) -> dict:
    from mlflow import MlflowClient

    from ml.registry import MODEL_NAME

    client = MlflowClient(uri)
    model = client.get_registered_model(MODEL_NAME)
    versions = {v.version: v for v in client.search_model_versions(f"name = '{MODEL_NAME}'")}
    return {"aliases": dict(model.aliases), "versions": versions}


def _assert_registry_consistent(uri: str, mart, champion_before: str) -> dict:
    """Every alias names an existing version whose model loads and scores; champion unchanged."""
    import mlflow.pyfunc

    from ml.feature_frame import input_for_schema
    from ml.registry import CHAMPION, MODEL_NAME

    state = _registry_state(uri)
    assert state["aliases"][CHAMPION] == champion_before
    mlflow.set_registry_uri(uri)
    for alias, version in state["aliases"].items():
        assert version in state["versions"], f"alias {alias} names a missing version {version}"
        model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{alias}")
        scored = model.predict(input_for_schema(mart.head(20), model.metadata.get_input_schema()))
        assert scored["probability"].between(0, 1).all()
    for version in state["versions"].values():  # documentation comes with every version
        assert "Human oversight" in (version.description or ""), version.version
        assert version.tags.get("run_id")
    return state


def test_sigkill_during_training_keeps_the_registry_consistent(tmp_path, tracking_server):
    from mlflow import MlflowClient

    from ml.pipeline import EXPERIMENT, train_and_register
    from ml.registry import CHALLENGER, CHAMPION
    from tests.ml.mart_fixture import make_mart

    from .scenarios import TRAIN_CONFIG

    uri = tracking_server.uri
    mart, _ = make_mart(800)
    mart_file = tmp_path / "mart.parquet"
    mart.to_parquet(mart_file)
    first = train_and_register(mart, uri, TRAIN_CONFIG)
    assert first.promoted

    # Killed with the run open, its metrics and plots logged, the model not yet logged.
    child = Child.python("train", str(mart_file), uri, "--pause", "before-model", env=child_env())
    child.wait_for_prefix(PAUSED)
    child.sigkill()
    state = _assert_registry_consistent(uri, mart, first.model_version)
    assert set(state["versions"]) == {first.model_version}  # no version of the killed run
    client = MlflowClient(uri)
    killed = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id],
                                "attributes.status = 'RUNNING'")
    assert len(killed) == 1 and not client.search_model_versions(f"run_id = '{killed[0].info.run_id}'")

    # Killed after the version was registered, before the gate set any alias.
    child = Child.python("train", str(mart_file), uri, "--pause", "before-gate", env=child_env())
    child.wait_for_prefix(PAUSED)
    child.sigkill()
    state = _assert_registry_consistent(uri, mart, first.model_version)
    [orphan] = set(state["versions"]) - {first.model_version}
    assert orphan not in state["aliases"].values()
    assert "gate_decision" not in state["versions"][orphan].tags  # visibly never gated

    rerun = train_and_register(mart, uri, TRAIN_CONFIG)  # the re-run completes and is gated
    state = _assert_registry_consistent(uri, mart, rerun.model_version if rerun.promoted else first.model_version)
    assert state["aliases"][CHALLENGER] == rerun.model_version
    assert rerun.promoted, rerun.gate_reasons  # same data, same model: the gate lets it through
    assert state["versions"][rerun.model_version].tags["gate_decision"] == "promoted"


# ---------------------------------------------------------------------------------------------
# Publication: staged in a hidden directory, one rename, then ``latest`` (publish/versioning.py)


@pytest.fixture(scope="module")
def publish_warehouse(tmp_path_factory) -> Path:
    from tests.publish.warehouse_fixture import build_warehouse, make_world

    path = tmp_path_factory.mktemp("publish_warehouse") / "ltu.duckdb"
    build_warehouse(path, make_world(n_spells=600, seed=11))
    return path


def test_sigkill_mid_publication_shows_no_partial_version(tmp_path, publish_warehouse):
    from ltu_platform.publish import versioning
    from ltu_platform.publish.publication import verify

    published = tmp_path / "published"
    first = Child.python("publish", str(publish_warehouse), str(published), env=child_env())
    old = first.wait_for_prefix(DONE).split()[1]
    first.finish()

    child = Child.python("publish", str(publish_warehouse), str(published), "--pause-mid-write", env=child_env())
    child.wait_for_prefix(PAUSED)  # tables half written into the staging directory
    child.sigkill()

    assert versioning.latest_version(published) == old
    assert versioning.list_versions(published) == [old]
    assert verify(published / old) == []
    stale = [p for p in published.iterdir() if p.name.startswith(versioning.STAGING_PREFIX)]
    assert len(stale) == 1 and (stale[0] / "parquet").is_dir()  # the crash's leftovers, hidden
    visible = {p.name for p in published.iterdir() if not p.name.startswith(".")}
    assert visible == {old, versioning.LATEST_FILE}

    rerun = Child.python("publish", str(publish_warehouse), str(published), env=child_env())
    new = rerun.wait_for_prefix(DONE).split()[1]
    rerun.finish()
    assert versioning.latest_version(published) == new != old
    assert versioning.list_versions(published) == sorted([old, new])
    assert verify(published / new) == []
    # the dead process's staging directory is cleaned up by the next publication
    assert not [p for p in published.iterdir() if p.name.startswith(versioning.STAGING_PREFIX)]
