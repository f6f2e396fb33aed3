"""The one ``DbtProject`` of the code location.

The manifest is prepared at build time (``make``/CI run ``dbt parse`` into
``dbt_project/target/``); only ``dagster dev`` re-parses on load, so code changes to models
show up without a rebuild while deployments start from the packaged manifest.
"""

from __future__ import annotations

import functools
from pathlib import Path

from dagster_dbt import DbtProject

from ltu_platform.settings import REPO_ROOT

DBT_PROJECT_DIR: Path = REPO_ROOT / "dbt_project"


@functools.cache
def ltu_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()  # a no-op outside `dagster dev`
    return project
