"""Where the platform reads and writes, and its secrets: everything comes from the environment.

One data directory holds all outputs (default ``./data``, overridable with ``LTU_DATA_DIR``);
each location below it can be moved on its own (see docs/architecture.md, Settings).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_url: str
    truth_dir: Path
    warehouse_path: Path
    published_dir: Path
    mlflow_tracking_uri: str
    dagster_home: Path

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def mlflow_dir(self) -> Path:
        return self.data_dir / "mlflow"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("LTU_DATA_DIR", REPO_ROOT / "data")).resolve()
    return Settings(
        data_dir=data_dir,
        landing_url=env.get("LTU_LANDING_URL", str(data_dir / "landing")),
        truth_dir=Path(env.get("LTU_TRUTH_DIR", data_dir / "truth")),
        warehouse_path=Path(env.get("LTU_WAREHOUSE", data_dir / "warehouse" / "ltu.duckdb")),
        published_dir=Path(env.get("LTU_PUBLISHED_DIR", data_dir / "published")),
        mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000"),
        dagster_home=Path(env.get("DAGSTER_HOME", data_dir / "dagster_home")),
    )
