"""The ingestion assets, sensor and schedule in a real (temporary) Dagster instance."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingestion.assets import INGESTION_ASSETS, asset_key_for
from orchestration.defs.ingestion.jobs import ingest_job, ingest_register_job
from orchestration.defs.ingestion.partitions import DFDG_MONTHS, REGISTER_YEARS
from orchestration.defs.ingestion.schedules import monthly_ingestion_schedule
from orchestration.defs.ingestion.sensors import MISSING_TAG, landing_zone_sensor
from orchestration.defs.resources import LandingZoneResource, PseudonymKeyResource, WarehouseResource

from .landing_fixture import sample_rows, write_bytes, write_csv


@pytest.fixture
def instance():
    # In-memory instance: real run, event and partition storage, without a temp DAGSTER_HOME's start-up cost.
    test_instance = dg.DagsterInstance.ephemeral()
    yield test_instance
    test_instance.dispose()


@pytest.fixture
def resources(landing, warehouse_path):
    return {
        "warehouse": WarehouseResource(path=str(warehouse_path)),
        "landing": LandingZoneResource(url=str(landing)),
        "pseudonym": PseudonymKeyResource(key="test-key"),
    }


def asset(dataset):
    return next(a for a in INGESTION_ASSETS if a.key == asset_key_for(dataset))


def test_materializing_a_partition_loads_it_with_metadata(instance, resources, landing, warehouse_path):
    rows = sample_rows("conversations", "2020-01", 4)
    rows[2]["conversation_type"] = "telefon"
    write_csv(landing, "conversations", "2020-01", rows)
    instance.add_dynamic_partitions(DFDG_MONTHS.name, ["2020-01"])

    result = dg.materialize([asset("conversations")], partition_key="2020-01", instance=instance, resources=resources)

    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    assert (metadata["rows_in"], metadata["rows_loaded"], metadata["rows_quarantined"]) == (4, 3, 1)
    assert "| conversation_type | allowed_values | 1 |" in metadata["quarantine_reasons"]
    assert "dfdg/conversations/2020-01/conversations_2020-01.csv" in metadata["source_files"]
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.conversations").fetchone()[0] == 3


def test_a_backfill_range_is_one_run_loading_each_partition(instance, resources, landing, warehouse_path):
    months = ["2020-01", "2020-02", "2020-03"]
    for n, month in enumerate(months, start=1):
        write_csv(landing, "placements", month, n=n)
    instance.add_dynamic_partitions(DFDG_MONTHS.name, months)

    result = dg.materialize(
        [asset("placements")], instance=instance, resources=resources,
        tags={"dagster/asset_partition_range_start": "2020-01", "dagster/asset_partition_range_end": "2020-03"},
    )

    assert result.success
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        counts = dict(con.execute("SELECT _partition, count(*) FROM raw.placements GROUP BY 1").fetchall())
    assert counts == {"2020-01": 1, "2020-02": 2, "2020-03": 3}


def test_a_bad_partition_fails_the_run_after_loading_the_others(instance, resources, landing, warehouse_path):
    write_csv(landing, "persons", "2019", n=2)
    write_bytes(landing, "persons", "2020", b"")
    instance.add_dynamic_partitions(REGISTER_YEARS.name, ["2019", "2020"])

    result = dg.materialize(
        [asset("persons")], instance=instance, resources=resources, raise_on_error=False,
        tags={"dagster/asset_partition_range_start": "2019", "dagster/asset_partition_range_end": "2020"},
    )

    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.to_string()
    assert "register/persons/2020/persons_2020.csv" in message and "zero_byte_file" in message
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute("SELECT _partition, count(*) FROM raw.persons GROUP BY 1").fetchall() == [("2019", 2)]


def sensor_tick(instance, landing, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"landing": LandingZoneResource(url=str(landing))}
    )
    result = landing_zone_sensor(context)
    for request in result.dynamic_partitions_requests:  # what the daemon does with the result
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_sensor_registers_partitions_and_requests_runs_for_new_and_changed_files(instance, landing):
    write_csv(landing, "conversations", "2020-01", n=2)
    write_csv(landing, "placements", "2020-01", n=2)
    write_csv(landing, "persons", "2020", n=2)

    first = sensor_tick(instance, landing)
    assert sorted(instance.get_dynamic_partitions(DFDG_MONTHS.name)) == ["2020-01"]
    assert instance.get_dynamic_partitions(REGISTER_YEARS.name) == ["2020"]
    requested = {(r.job_name, r.partition_key, tuple(k.to_user_string() for k in r.asset_selection)) for r in first.run_requests}
    assert requested == {
        (ingest_job.name, "2020-01", ("raw/conversations", "raw/placements")),
        (ingest_register_job.name, "2020", ("raw/persons",)),
    }

    unchanged = sensor_tick(instance, landing, first.cursor)
    assert unchanged.run_requests == []

    write_csv(landing, "placements", "2020-01", n=5)  # a corrected re-delivery
    write_csv(landing, "placements", "2020-02", n=1)  # a new month
    changed = sensor_tick(instance, landing, unchanged.cursor)
    requested = {(r.partition_key, tuple(k.to_user_string() for k in r.asset_selection)) for r in changed.run_requests}
    assert requested == {("2020-01", ("raw/placements",)), ("2020-02", ("raw/placements",))}
    assert sorted(instance.get_dynamic_partitions(DFDG_MONTHS.name)) == ["2020-01", "2020-02"]
    assert len({r.run_key for r in [*first.run_requests, *changed.run_requests]}) == 4


def test_sensor_reports_a_missing_month(instance, landing):
    for month in ["2020-01", "2020-02", "2020-05"]:
        write_csv(landing, "conversations", month, n=1)

    result = sensor_tick(instance, landing)

    assert len(result.run_requests) == 3
    assert {r.tags[MISSING_TAG] for r in result.run_requests} == {"conversations: 2020-03, 2020-04"}


def test_schedule_requests_the_newest_delivered_month():
    with dg.instance_for_test() as instance:  # schedule contexts need a persistent instance
        _check_schedule(instance)


def _check_schedule(instance):
    instance.add_dynamic_partitions(DFDG_MONTHS.name, ["2020-01", "2020-02"])
    on_time = dg.build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2020, 3, 10, 6))
    request = monthly_ingestion_schedule(on_time)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2020-02"

    late = dg.build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2020, 4, 10, 6))
    skip = monthly_ingestion_schedule(late)
    assert isinstance(skip, dg.SkipReason) and "2020-03" in skip.skip_message


def test_code_location_loads_with_ingestion_wired(monkeypatch, tmp_path):
    monkeypatch.setenv("LTU_DATA_DIR", str(tmp_path))
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for a in INGESTION_ASSETS:
        node = graph.get(a.key)
        assert node.group_name == "ingestion"
        assert {"duckdb", "csv"} <= set(node.kinds)
        assert node.owners == ["team:ltu-data"]
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert a.op.pool == "duckdb_warehouse"
    assert {"ingest_job", "ingest_register_job"} <= {j.name for j in defs.resolve_all_job_defs()}
    assert defs.resolve_sensor_def("landing_zone_sensor") and defs.resolve_schedule_def("monthly_ingestion_schedule")
    assert {"warehouse", "landing", "pseudonym"} <= set(defs.resources)


def test_warehouse_resource_reads_read_only_and_closes(warehouse_path):
    resource = WarehouseResource(path=str(warehouse_path))
    with resource.connect() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    with resource.connect(read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchone() == (1,)
        with pytest.raises(duckdb.Error):
            con.execute("INSERT INTO t VALUES (2)")
    with resource.connect() as con:  # the earlier connections were closed, so no lock conflict
        assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)
