"""The registration-quality gate as one Dagster asset with asset checks on the raw assets.

Why one asset carrying checks for other assets: the gate writes ``quality.*`` (quarantine,
reconciliation, the registration-quality mart) in the warehouse's single writer slot, and
Dagster exempts an asset that checks its own upstream from being blocked by those checks.
So the results are written even when the gate fails, while every asset downstream of a raw
dataset with a failing blocking check (dbt, ML, publication) does not run in that run.
"""

import dagster as dg
from pydantic import Field

from ltu_platform.contracts import load_contracts
from ltu_platform.quality.gate import DEFAULT_BATCH_ROWS, gate_on_connection, planned_rules
from ltu_platform.quality.results import GateResult, RuleResult
from ltu_platform.settings import load_settings
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource

OWNERS = ["team:ltu-data"]
GROUP = "quality"
GATE_KEY = dg.AssetKey(["quality", "registration_quality"])


def raw_key(dataset: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset])


class RegistrationGateConfig(dg.Config):
    batch_rows: int = Field(
        default=DEFAULT_BATCH_ROWS,
        description="Rows GX validates at once (whole partitions are grouped up to this size)",
    )
    memory_limit: str = Field(default="2GB", description="DuckDB memory limit during the gate")


def _check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=rule_id, asset=raw_key(dataset), description=description,
            blocking=severity == "blocking", metadata={"severity": severity},
        )
        for dataset in load_contracts()
        for rule_id, severity, description in planned_rules(dataset)
    ]


def _check_result(r: RuleResult) -> dg.AssetCheckResult:
    metadata = {
        "rule": r.rule_id,
        "domain_rule": r.domain_rule,
        "why": r.description,
        "severity": r.severity,
        "tolerance": r.tolerance,
        "rows": r.n_rows,
        "failing": r.n_failing,
        "share_failing": round(r.share_failing, 6),
        "failing_rows_sample": dg.MetadataValue.md(r.sample_markdown or "none"),
    }
    if r.data_docs:
        metadata["data_docs"] = dg.MetadataValue.url(r.data_docs)
    return dg.AssetCheckResult(
        asset_key=raw_key(r.dataset), check_name=r.rule_id, passed=r.passed,
        severity=dg.AssetCheckSeverity.ERROR if r.severity == "blocking" else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _not_loaded(dataset: str) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(asset_key=raw_key(dataset), check_name=rule_id, passed=True,
                            metadata={"note": f"raw.{dataset} is not loaded yet: nothing to judge"})
        for rule_id, _, _ in planned_rules(dataset)
    ]


def _metadata(result: GateResult) -> dict:
    failing = result.summary().query("failing > 0")
    rec = result.reconciliation
    unreconciled = rec[~rec["reconciled"]]
    return {
        "gate_passed": result.passed,
        "blocking_failures": ", ".join(f"{r.dataset}.{r.rule_id}" for r in result.rules if r.blocks) or "none",
        "rules_failing": dg.MetadataValue.md(failing.to_markdown(index=False) if len(failing) else "none"),
        "reconciliation": dg.MetadataValue.md(
            rec.groupby("dataset")[["rows_in", "rows_passed", "rows_quarantined"]].sum()
            .reset_index().to_markdown(index=False)
        ),
        "unreconciled_partitions": dg.MetadataValue.md(
            unreconciled.to_markdown(index=False) if len(unreconciled) else "none"
        ),
        "rows_quarantined": int(rec["rows_quarantined"].sum()),
        "dagster/row_count": result.mart_rows,
        "data_docs": dg.MetadataValue.path(str(result.data_docs_index or "")),
    }


GATE_DESCRIPTION = """Registration-quality gate (seed 004: joint conversations were registered
wrongly, so the numbers are quality-assured before publication). Judges every raw dataset
against its data contract with Great Expectations and the contract's registration rules;
writes `quality.quarantine`, the views `quality.passed_<dataset>`, `quality.reconciliation`,
`quality.rule_results` and the mart `quality.registration_quality` (per jobcentre, a-kasse and
month), and the run's Data Docs under `$LTU_DATA_DIR/quality/data_docs/<run_id>/`."""


# A multi_asset because its checks target the raw assets (upstream), which @asset forbids;
# allow_arbitrary_check_specs is the switch dagster-dbt uses for tests on dbt sources.
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            GATE_KEY, deps=[raw_key(d) for d in load_contracts()], group_name=GROUP,
            kinds={"duckdb", "great_expectations"}, owners=OWNERS, description=GATE_DESCRIPTION,
        )
    ],
    check_specs=_check_specs(),
    allow_arbitrary_check_specs=True,
    can_subset=True,  # a run may select the gate with the checks of only some raw assets
    pool=WAREHOUSE_POOL,
)
def registration_quality(
    context: dg.AssetExecutionContext, config: RegistrationGateConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Run the gate; one check result per planned rule and raw dataset."""
    with warehouse.connect() as con:
        result = gate_on_connection(
            con, load_settings().quality_dir, run_id=context.run_id,
            batch_rows=config.batch_rows, memory_limit=config.memory_limit,
        )
    judged = {r.dataset for r in result.rules}
    checks = [_check_result(r) for r in result.rules]
    for dataset in load_contracts():
        if dataset not in judged:
            checks += _not_loaded(dataset)
    selected = context.selected_asset_check_keys
    checks = [c for c in checks if dg.AssetCheckKey(c.asset_key, c.check_name) in selected]
    return dg.MaterializeResult(metadata=_metadata(result), check_results=checks)
