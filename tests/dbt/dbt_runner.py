"""Run the dbt CLI against a given warehouse file, as make, CI and Dagster do.

A subprocess per command, not the in-process dbtRunner: dbt-duckdb keeps its DuckDB instance
open inside the process, so the test's own connections would neither checkpoint nor see a
file copy as it is on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ltu_platform.settings import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")


def run_dbt(warehouse: Path, *args: str, target_dir: Path | None = None) -> str:
    """``dbt <args>`` on ``warehouse``; returns the log, raises with it when dbt fails."""
    target = target_dir or warehouse.parent / "dbt_target"
    command = [
        DBT, *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target),
        "--log-path", str(target / "logs"),
    ]
    env = {**os.environ, "LTU_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_USE_COLORS": "false"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-8000:]}\n{done.stderr[-2000:]}")
    return done.stdout
