"""The publication for evaluators as Dagster assets (group ``publish``, keys ``published/*``).

One op writes one whole publication (ltu_platform.publish.publication), so its tables are
one multi-asset: each published table is its own asset key with its row count and preview,
and ``published/report`` links the HTML report. They depend on the indicator marts (dbt
models), the quality gate and the model's scores; a failing blocking check upstream (the gate's
checks on the raw datasets) therefore stops them in the same run and nothing is published.
"""


from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd
from pydantic import Field

from ltu_platform.publish.tables import INDICATOR_MARTS, REGISTRATION_QUALITY
from ltu_platform.settings import load_settings
from orchestration.defs.ml.resources import MlflowResource
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource, env_or_default

if TYPE_CHECKING:
    from ltu_platform.publish.publication import Publication

OWNERS = ["team:ltu-data"]
GROUP = "publish"
QUALITY_KEY = dg.AssetKey(["quality", "registration_quality"])
RISK_SCORES_KEY = dg.AssetKey(["ml", "risk_scores"])
REPORT_KEY = dg.AssetKey(["published", "report"])
# DFDG arrives monthly; a publication older than a month and a bit is overdue.
FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=35),
                                           warn_window=timedelta(days=32))

# Tables built here from the model's scores and the spell marts (not dbt models).
DERIVED_TABLES: dict[str, tuple[str, list[dg.AssetKey]]] = {
    "model_at_risk_share": ("At-risk share by jobcentre and month", [RISK_SCORES_KEY]),
    "model_score_drift": ("Score drift between months (PSI)", [RISK_SCORES_KEY]),
    "model_calibration": ("Calibration on the newest labelled cohort", [RISK_SCORES_KEY]),
    "model_fairness": ("Rates by sex, origin and age group", [RISK_SCORES_KEY]),
    "eval_akasse_experiment_groups": (
        "A-kasse experiment outcomes by fund × municipality cell",
        [dg.AssetKey(["fct_contact_courses"])],
    ),
    "eval_akasse_experiment_effects": (
        "A-kasse experiment vs comparison groups, difference-in-differences, 95 % CI",
        [dg.AssetKey(["fct_contact_courses"])],
    ),
    "eval_pilot_effect": (
        "Pilot effect on long-term unemployment (ATT, IPW) with 95 % CI",
        [dg.AssetKey(["fct_contact_courses"]), dg.AssetKey(["fct_risk_features"])],
    ),
}


class PublishedDirResource(dg.ConfigurableResource):
    """Where publications go (LTU_PUBLISHED_DIR)."""

    path: str = Field(description="Root of the versioned publications")


class PublicationConfig(dg.Config):
    bootstrap_replicates: int = Field(
        default=200, description="Bootstrap replicates of the pilot effect's 95 % interval"
    )
    include_dbt_docs: bool = Field(
        default=True, description="Ship `dbt docs generate` output for the published models"
    )
    calibrate_with_champion: bool = Field(
        default=True,
        description="Score the newest labelled cohort with the MLflow champion for calibration",
    )


def _table_specs() -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            dg.AssetKey(["published", m.name]),
            deps=[dg.AssetKey([m.name]), QUALITY_KEY],
            description=f"{m.description} ({', '.join(m.rules)}), small cells suppressed.",
        )
        for m in INDICATOR_MARTS
    ]
    specs.append(dg.AssetSpec(
        dg.AssetKey(["published", REGISTRATION_QUALITY.name]), deps=[QUALITY_KEY],
        description=REGISTRATION_QUALITY.description + ", small cells suppressed.",
    ))
    specs += [
        # skippable: without scores or spell marts these are left out (manifest "omitted")
        dg.AssetSpec(dg.AssetKey(["published", name]), deps=[*deps, QUALITY_KEY],
                     description=description, skippable=True)
        for name, (description, deps) in DERIVED_TABLES.items()
    ]
    specs.append(dg.AssetSpec(
        REPORT_KEY, deps=[s.key for s in specs],
        description="Self-contained HTML evaluation report of the publication.",
    ))
    return [
        s.replace_attributes(group_name=GROUP, owners=OWNERS, freshness_policy=FRESHNESS,
                             kinds={"duckdb", "parquet", "csv"} if s.key != REPORT_KEY
                             else {"html", "matplotlib"})
        for s in specs
    ]


def _preview(df: pd.DataFrame, rows: int = 8) -> str:
    return df.head(rows).to_markdown(index=False)


def _results(pub: "Publication") -> list[dg.MaterializeResult]:
    results = []
    for name, entry in pub.manifest["tables"].items():
        df = pd.read_parquet(pub.path / entry["parquet"])
        results.append(dg.MaterializeResult(
            asset_key=dg.AssetKey(["published", name]),
            metadata={
                "dagster/row_count": entry["rows"],
                "version": pub.version,
                "parquet": dg.MetadataValue.path(str(pub.path / entry["parquet"])),
                "csv": dg.MetadataValue.path(str(pub.path / entry["csv"])),
                "cells_suppressed": entry["primary_suppressed"] + entry["secondary_suppressed"],
                "preview": dg.MetadataValue.md(_preview(df)),
            },
        ))
    results.append(dg.MaterializeResult(
        asset_key=REPORT_KEY,
        metadata={
            "version": pub.version,
            "report": dg.MetadataValue.url(pub.report.as_uri()),
            "report_path": dg.MetadataValue.path(str(pub.report)),
            "manifest": dg.MetadataValue.path(str(pub.path / "manifest.json")),
            "tables": dg.MetadataValue.md(
                pd.DataFrame([{"table": n, "rows": r} for n, r in pub.table_rows().items()])
                .to_markdown(index=False)
            ),
            "omitted": dg.MetadataValue.json(pub.manifest["omitted"]),
            "model_version": str(pub.manifest.get("model_version")),
            "quality_gate": dg.MetadataValue.json(pub.manifest["quality_gate"]),
            "dbt_docs": pub.manifest["dbt_docs"]["source"],
            "revised_cells": pub.manifest["revisions"]["revised_cells"],
            "previous_version": str(pub.manifest["revisions"]["previous_version"]),
            "delivery_period_complete": pub.manifest["delivery_period"]["complete"],
            "delivery_period": dg.MetadataValue.json(pub.manifest["delivery_period"]),
        },
    ))
    return results


# Reads the warehouse only, but a DuckDB reader needs the file lock too (and dbt docs opens
# it read-write): it queues in the writers' pool rather than failing on the lock.
@dg.multi_asset(specs=_table_specs(), can_subset=False, pool=WAREHOUSE_POOL)
def publication(
    context: dg.AssetExecutionContext,
    config: PublicationConfig,
    warehouse: WarehouseResource,
    published_dir: PublishedDirResource,
    mlflow: MlflowResource,
):
    """Publish one whole version: suppressed tables (Parquet, Danish CSV, DuckDB), manifest,
    dbt docs and the report, under `$LTU_PUBLISHED_DIR/<version>/` (never overwritten)."""
    # Imported here: the evaluation tables pull in MLflow and SciPy, which every other step of
    # a run would otherwise load too.
    from ltu_platform.publish.publication import publish

    pub = publish(
        Path(warehouse.path), Path(published_dir.path),
        bootstrap_replicates=config.bootstrap_replicates, docs=config.include_dbt_docs,
        champion_tracking_uri=mlflow.tracking_uri if config.calibrate_with_champion else None,
    )
    context.log.info(f"published {pub.version} at {pub.path}")
    for name, reason in pub.manifest["omitted"].items():
        context.log.warning(f"not in this publication: {name}: {reason}")
    yield from _results(pub)


defs = dg.Definitions(
    assets=[publication],
    resources={
        "published_dir": PublishedDirResource(
            path=env_or_default("LTU_PUBLISHED_DIR", str(load_settings().published_dir))
        )
    },
)
