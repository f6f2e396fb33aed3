"""The publication in Dagster: a failing blocking check upstream stops it in the same run.

The gate here is a stand-in with the real gate's asset key and a blocking check (the real
gate needs a raw layer and GX; it is tested in tests/quality); the publication asset, the
Dagster run and the warehouse are real.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ltu_platform.publish import versioning
from orchestration.defs.publish import publication as publish_defs
from orchestration.defs.ml.resources import MlflowResource
from orchestration.defs.resources import WarehouseResource


def _gate(passes: bool) -> tuple[dg.AssetsDefinition, dg.AssetChecksDefinition]:
    @dg.asset(key=publish_defs.QUALITY_KEY, group_name="quality")
    def registration_quality() -> None:
        """Stand-in for the quality gate's asset."""

    @dg.asset_check(asset=publish_defs.QUALITY_KEY, blocking=True, name="job_booking_method")
    def job_booking_method() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=passes, severity=dg.AssetCheckSeverity.ERROR)

    return registration_quality, job_booking_method


def _run(warehouse: Path, published: Path, passes: bool) -> dg.ExecuteInProcessResult:
    gate, check = _gate(passes)
    return dg.materialize(
        [gate, check, publish_defs.publication],
        resources={
            "warehouse": WarehouseResource(path=str(warehouse)),
            "published_dir": publish_defs.PublishedDirResource(path=str(published)),
            # not contacted: calibration with the champion is switched off below
            "mlflow": MlflowResource(tracking_uri="http://127.0.0.1:9"),
        },
        run_config={"ops": {"publication": {"config": {
            "bootstrap_replicates": 20, "include_dbt_docs": False,
            "calibrate_with_champion": False}}}},
        raise_on_error=False,
    )


def test_definitions_load_with_the_shared_resources() -> None:
    from orchestration.defs import resources

    defs = dg.Definitions.merge(
        resources.defs, publish_defs.defs,
        dg.Definitions(resources={"mlflow": MlflowResource(tracking_uri="http://127.0.0.1:9")}),
    )
    dg.Definitions.validate_loadable(defs)
    specs = list(publish_defs.publication.specs)
    assert all(s.key.path[0] == "published" and s.group_name == "publish" for s in specs)
    assert all(s.freshness_policy is not None and s.owners == ["team:ltu-data"] for s in specs)
    deps = {d.asset_key for s in specs for d in s.deps}
    assert {publish_defs.QUALITY_KEY, dg.AssetKey(["fct_selfbooking_share"])} <= deps


def test_blocking_check_failure_publishes_nothing(small_warehouse: Path, tmp_path: Path) -> None:
    published = tmp_path / "published"
    result = _run(small_warehouse, published, passes=False)
    assert not result.success
    mats = result.asset_materializations_for_node("publication")
    assert mats == []
    assert versioning.list_versions(published) == []
    assert versioning.latest_version(published) is None


def test_passing_gate_publishes_with_report_link(small_warehouse: Path, tmp_path: Path) -> None:
    published = tmp_path / "published"
    result = _run(small_warehouse, published, passes=True)
    assert result.success
    versions = versioning.list_versions(published)
    assert len(versions) == 1
    mats = {m.asset_key: m for m in result.asset_materializations_for_node("publication")}
    report = mats[publish_defs.REPORT_KEY].metadata["report"].value
    assert report == (published / versions[0] / "report.html").as_uri()
    selfbooking = mats[dg.AssetKey(["published", "fct_selfbooking_share"])].metadata
    assert selfbooking["dagster/row_count"].value > 0
    assert "| month" in selfbooking["preview"].value
