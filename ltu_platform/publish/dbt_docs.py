"""dbt docs shipped with a publication, so evaluators can read how every number is defined.

The dbt project belongs to the dbt part; here we only run ``dbt docs generate`` on it
(through ``dbtRunner``, into a scratch target path, with a profile pointing at the given
warehouse) or, when that is not possible, copy the docs already in ``dbt_project/target``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ltu_platform.settings import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclass(frozen=True)
class DocsResult:
    source: str  # "generated", "copied" or "missing"
    message: str


def _profiles_dir(warehouse: Path, scratch: Path) -> Path:
    """A profile for this warehouse file only (the project's profile reads LTU_WAREHOUSE)."""
    profile = {
        "ltu": {
            "target": "publish",
            "outputs": {"publish": {"type": "duckdb", "path": str(warehouse), "threads": 2}},
        }
    }
    (scratch / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return scratch


def generate_docs(
    warehouse: Path, dest: Path, models: tuple[str, ...], project_dir: Path = DBT_PROJECT_DIR
) -> DocsResult:
    """Write index.html, manifest.json and catalog.json of ``models`` into ``dest``.

    The warehouse must not be open in this process: dbt-duckdb opens it itself.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if (project_dir / "dbt_project.yml").exists():
        from dbt.cli.main import dbtRunner  # heavy import, only when docs are built

        with tempfile.TemporaryDirectory(prefix="ltu-dbt-docs-") as tmp:
            scratch = Path(tmp)
            args = [
                "docs", "generate",
                "--project-dir", str(project_dir),
                "--profiles-dir", str(_profiles_dir(warehouse, scratch)),
                "--target-path", str(scratch / "target"),
                "--log-path", str(scratch / "logs"),
                "--select", *models,
                "--log-level", "none",
            ]
            try:
                result = dbtRunner().invoke(args)
                ok = result.success and all(
                    (scratch / "target" / f).exists() for f in DOCS_FILES
                )
                error = "" if ok else str(result.exception or "dbt docs generate failed")
            except Exception as exc:  # dbt raises for a broken project; fall back to copying
                ok, error = False, f"{type(exc).__name__}: {exc}"
            if ok:
                for f in DOCS_FILES:
                    shutil.copy2(scratch / "target" / f, dest / f)
                return DocsResult("generated", f"dbt docs generate --select {' '.join(models)}")
    else:
        error = f"no dbt project at {project_dir}"
    return copy_existing_docs(project_dir / "target", dest, reason=error)


def copy_existing_docs(target: Path, dest: Path, reason: str = "") -> DocsResult:
    present = [f for f in DOCS_FILES if (target / f).exists()]
    if len(present) == len(DOCS_FILES):
        for f in DOCS_FILES:
            shutil.copy2(target / f, dest / f)
        return DocsResult("copied", f"copied from {target} ({reason})".strip())
    return DocsResult("missing", f"no dbt docs: {reason}; {target} holds only {present}")
