"""One publication for evaluators, written whole or not at all.

``publish`` reads the warehouse read-only, builds the aggregate tables, suppresses small
cells, refuses any person-level identifier, and writes into a staging directory that becomes
``$LTU_PUBLISHED_DIR/<version>/`` by one rename (versioning.py):

    <version>/manifest.json          tables, row counts, sha256 of every file, sources
    <version>/parquet/<table>.parquet
    <version>/csv/<table>.csv        Danish Excel: ';', decimal comma, UTF-8 with BOM
    <version>/ltu_published.duckdb   every table, for evaluators (open it read-only)
    <version>/report.html            the evaluation report (self-contained)
    <version>/revisions.csv          figures changed since the previous version (revisions.py)
    <version>/dbt_docs/              index.html, manifest.json, catalog.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ltu_platform.files import sha256
from ltu_platform.publish import dbt_docs, deliveries, formats, revisions, versioning
from ltu_platform.publish.assemble import Assembled, assemble
from ltu_platform.publish.identifiers import assert_no_identifiers
from ltu_platform.publish.sources import (
    QualityGateFailed,
    latest_gate_result,
    read_only_warehouse,
    source_snapshot,
)
from ltu_platform.publish.suppression import suppress
from ltu_platform.publish.tables import INDICATOR_MART_NAMES
from ltu_platform.rules import RULES

MANIFEST = "manifest.json"
README = "README.md"
REPORT = "report.html"
DOCS_DIR = "dbt_docs"


@dataclass(frozen=True)
class Publication:
    version: str
    path: Path
    manifest: dict[str, Any]

    @property
    def report(self) -> Path:
        return self.path / REPORT

    def table_rows(self) -> dict[str, int]:
        return {name: t["rows"] for name, t in self.manifest["tables"].items()}


def protected_tables(assembled: Assembled) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Suppressed tables plus the effect tables, each checked for identifiers."""
    result = suppress(assembled.tables, assembled.specs, assembled.links)
    tables = {**result.tables, **assembled.unsuppressed}
    for name, df in tables.items():
        assert_no_identifiers(name, df)
    stats = {
        name: {"primary_suppressed": result.primary.get(name, 0),
               "secondary_suppressed": result.secondary.get(name, 0)}
        for name in tables
    }
    return tables, stats


def publish(
    warehouse: Path,
    published_dir: Path,
    quality_gate: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
    bootstrap_replicates: int = 200,
    docs: bool = True,
    report: bool = True,
    champion_tracking_uri: str | None = None,
) -> Publication:
    """Build and publish one version; returns it once it is visible (and ``latest``).

    ``quality_gate`` is the gate's verdict to record; by default the newest gate run in
    ``quality.rule_results``. A failed or missing gate refuses the publication (R-JOINT-3:
    registrations are quality-checked before anything is published).
    """
    with read_only_warehouse(warehouse) as con:
        gate = quality_gate if quality_gate is not None else latest_gate_result(con)
        if gate.get("status") != "passed":
            raise QualityGateFailed(
                f"quality gate {gate.get('status')}: {gate.get('blocking_failures') or gate}; "
                "nothing is published"
            )
        assembled = assemble(con, bootstrap_replicates=bootstrap_replicates,
                             champion_tracking_uri=champion_tracking_uri)
        snapshot = source_snapshot(con)
        coverage = deliveries.delivery_coverage(con)
    tables, suppression_stats = protected_tables(assembled)
    revised = revisions.against_latest(published_dir, tables, assembled.specs)

    published_dir.mkdir(parents=True, exist_ok=True)
    versioning.remove_stale_staging(published_dir)
    version = versioning.new_version_id(published_dir, now)
    with versioning.staged_version(published_dir, version) as stage:
        table_entries = _write_tables(stage, tables)
        formats.write_danish_csv(revised.cells, stage / revisions.REVISIONS_FILE)
        docs_result = (
            dbt_docs.generate_docs(warehouse, stage / DOCS_DIR, INDICATOR_MART_NAMES)
            if docs else dbt_docs.DocsResult("missing", "not requested")
        )
        if report:
            from ltu_platform.publish.report import render_report  # matplotlib: only when used

            (stage / REPORT).write_text(
                render_report(version, tables, assembled.facts, gate,
                              appendix=(deliveries.report_section(coverage),
                                        revisions.report_section(revised))),
                encoding="utf-8",
            )
        (stage / README).write_text(_readme(version, table_entries, assembled), encoding="utf-8")
        manifest = {
            "version": version,
            "created_at": (now or datetime.now(UTC)).isoformat(),
            "tables": {
                name: {
                    **entry,
                    "description": assembled.descriptions.get(name, ""),
                    **suppression_stats[name],
                }
                for name, entry in table_entries.items()
            },
            "omitted": assembled.omitted,
            "source_snapshot": snapshot,
            "delivery_period": coverage,
            "revisions": revised.summary(),
            "model_version": assembled.facts.get("model_version"),
            "quality_gate": gate,
            "facts": _jsonable(assembled.facts),
            "suppression": {"min_cell_persons": RULES.min_cell_persons,
                            "flag_suffix": "_suppressed"},
            "dbt_docs": {"source": docs_result.source, "message": docs_result.message},
            "files": _checksums(stage),
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str),
                                      encoding="utf-8")
    versioning.point_latest(published_dir, version)
    return Publication(version=version, path=published_dir / version, manifest=manifest)


def _write_tables(stage: Path, tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    (stage / "parquet").mkdir()
    (stage / "csv").mkdir()
    entries = {}
    for name, df in tables.items():
        formats.write_parquet(df, stage / "parquet" / f"{name}.parquet")
        formats.write_danish_csv(df, stage / "csv" / f"{name}.csv")
        entries[name] = {
            "rows": len(df),
            "columns": list(df.columns),
            "parquet": f"parquet/{name}.parquet",
            "csv": f"csv/{name}.csv",
            "duckdb_table": name,
        }
    formats.write_duckdb(tables, stage / formats.EVALUATOR_DB)
    return entries


def _readme(version: str, entries: dict[str, dict[str, Any]], assembled: Assembled) -> str:
    """How to read the publication, for evaluators (kept beside the data)."""
    lines = [
        f"# ltu-platform publication {version}",
        "",
        "Aggregates only. Cells describing fewer than "
        f"{RULES.min_cell_persons} persons are suppressed: the value is empty (NULL) and its "
        "flag column `<column>_suppressed` is true; further cells are suppressed where a total "
        "or another table would reveal a suppressed one. An empty value with a false flag "
        "means 'not defined' (e.g. a share with no persons).",
        "",
        "- `parquet/<table>.parquet`: typed tables",
        "- `csv/<table>.csv`: for Danish Excel (`;` separator, decimal comma, UTF-8 with BOM, "
        "booleans 1/0)",
        f"- `{formats.EVALUATOR_DB}`: every table in one DuckDB file; open it read-only "
        f"(`duckdb.connect('{formats.EVALUATOR_DB}', read_only=True)`)",
        f"- `{REPORT}`: the evaluation report; `{DOCS_DIR}/index.html`: dbt docs of the marts",
        f"- `{MANIFEST}`: row counts, sha256 of every file, source loads, model version, "
        "quality-gate result",
        "",
        "| table | rows | description |",
        "|---|---|---|",
        *(f"| {n} | {e['rows']} | {assembled.descriptions.get(n, '')} |" for n, e in entries.items()),
        "",
    ]
    if assembled.omitted:
        lines += ["Not in this publication:", ""]
        lines += [f"- {name}: {reason}" for name, reason in assembled.omitted.items()]
    return "\n".join(lines) + "\n"


def _checksums(stage: Path) -> dict[str, str]:
    return {
        str(p.relative_to(stage)): sha256(p)
        for p in sorted(stage.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _jsonable(facts: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(facts, default=str))


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / MANIFEST).read_text(encoding="utf-8"))


def verify(path: Path) -> list[str]:
    """Files whose checksum no longer matches the manifest (empty: intact)."""
    manifest = read_manifest(path)
    return [f for f, digest in manifest["files"].items()
            if not (path / f).exists() or sha256(path / f) != digest]
