"""dbt models and seeds as Dagster assets, built with one streamed ``dbt build``."""

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.defs.dbt.project import ltu_dbt_project
from orchestration.defs.dbt.translator import LtuDbtTranslator
from orchestration.defs.resources import WAREHOUSE_POOL


class DbtBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild incremental models from scratch (dbt build --full-refresh)",
    )


@dbt_assets(
    manifest=ltu_dbt_project().manifest_path,
    project=ltu_dbt_project(),
    dagster_dbt_translator=LtuDbtTranslator(),
    name="ltu_dbt_models",
    pool=WAREHOUSE_POOL,  # dbt writes the warehouse: one writer at a time
)
def ltu_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    """Staging views, intermediate and mart tables of the contact courses and the official
    indicators, with dbt data tests and unit tests as checks (dbt_project/)."""
    args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
    yield from dbt.cli(args, context=context).stream().fetch_row_counts()


def dbt_executable() -> str:
    """dbt from PATH, else the one installed beside this interpreter (an unactivated venv)."""
    return shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")


defs = dg.Definitions(
    assets=[ltu_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=ltu_dbt_project(), dbt_executable=dbt_executable())},
)
