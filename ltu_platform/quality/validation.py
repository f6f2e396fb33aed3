"""GX validation of the raw layer, batch by batch, with HTML Data Docs kept per run.

Per dataset GX judges the table's schema once and then the row-level flags DuckDB computed
(``registration_rules``), read in batches of whole partitions (months or years) of at most
``batch_rows`` rows, so memory stays bounded at national scale; small partitions are grouped
because every GX validation costs a fixed ~0.3 s. GX runs on pandas DataFrames (not on GX's
SQL datasource, which fails on DuckDB: great_expectations issue 11579).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from ltu_platform.contracts import Contract
from ltu_platform.quality.registration_rules import FAILURES_TABLE, rule_ids
from ltu_platform.quality.suites import build_rows_suite, build_schema_suite, flag_column

SITE_NAME = "ltu_quality"
DATASOURCE = "warehouse"


@dataclass
class ExpectationTally:
    """One expectation summed over the batches of a dataset."""

    rule_id: str
    expectation: str
    column: str | None
    n_failing: int = 0
    failed_batches: list[str] = field(default_factory=list)


@dataclass
class DatasetValidation:
    dataset: str
    n_rows: int
    tallies: list[ExpectationTally]
    docs_by_batch: dict[str, str]  # batch label -> Data Docs page

    def failing(self, rule_id: str) -> int:
        return sum(t.n_failing for t in self.tallies if t.rule_id == rule_id)

    def worst_batch_docs(self, rule_id: str) -> str | None:
        counts: dict[str, int] = defaultdict(int)
        for t in self.tallies:
            if t.rule_id == rule_id:
                for b in t.failed_batches:
                    counts[b] += 1
        if not counts:
            return None
        return self.docs_by_batch.get(max(counts, key=counts.get))


def make_context(docs_dir: Path) -> Any:
    """An ephemeral GX context whose only Data Docs site is a folder of this run."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,  # no calls home from a pipeline holding personal data
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.data_sources.add_pandas(DATASOURCE)
    return context


def partition_batches(
    con: duckdb.DuckDBPyConnection, dataset: str, batch_rows: int
) -> list[tuple[str, str]]:
    """Consecutive partition ranges (first, last) of at most ``batch_rows`` rows each.

    A partition larger than the budget forms a batch of its own (partitions are never split,
    so a batch is always whole deliveries).
    """
    counts = con.execute(
        f"SELECT _partition, count(*) FROM raw.{dataset} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    batches: list[tuple[str, str]] = []
    first, size = None, 0
    for partition, n in counts:
        if first is not None and size + n > batch_rows:
            batches.append((first, previous))
            first, size = None, 0
        if first is None:
            first = partition
        size += n
        previous = partition
    if first is not None:
        batches.append((first, previous))
    return batches


def _batch_sql(contract: Contract) -> str:
    # Only the flags: a batch of two million rows is a few boolean columns, not the data.
    ids = rule_ids(contract)
    flags = ", ".join(f"bool_or(rule_id = '{r}') AS {flag_column(r)}" for r in ids)
    flag_cols = ", ".join(f"coalesce(f.{flag_column(r)}, false) AS {flag_column(r)}" for r in ids)
    return f"""
        SELECT {flag_cols}
        FROM raw.{contract.dataset} AS t
        LEFT JOIN (
            SELECT _source_file, _row_number, {flags} FROM {FAILURES_TABLE}
            WHERE dataset = '{contract.dataset}' GROUP BY ALL
        ) AS f USING (_source_file, _row_number)
        WHERE t._partition BETWEEN $first AND $last
    """


def read_batches(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch_rows: int
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (label, flags DataFrame) per batch; an empty dataset yields one empty batch."""
    sql = _batch_sql(contract)
    batches = partition_batches(con, contract.dataset, batch_rows) or [("", "")]
    for first, last in batches:
        label = first if first == last else f"{first}..{last}"
        yield label or "empty", con.execute(sql, {"first": first, "last": last}).df()


class _Validator:
    """One GX validation definition + checkpoint; tallies its results over the batches."""

    def __init__(self, context: Any, suite: Any, run_name: str):
        import great_expectations as gx

        name = suite.name
        asset = context.data_sources.get(DATASOURCE).add_dataframe_asset(name)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=name, data=asset.add_batch_definition_whole_dataframe(name),
                suite=context.suites.add(suite),
            )
        )
        self.checkpoint = context.checkpoints.add(gx.Checkpoint(name=name, validation_definitions=[validation]))
        self.run_name = run_name
        self.tallies: dict[tuple[str, str, str | None], ExpectationTally] = {}
        self.docs: dict[str, Any] = {}

    def run(self, label: str, frame: pd.DataFrame) -> None:
        from great_expectations.core.run_identifier import RunIdentifier

        run_id = RunIdentifier(run_name=f"{self.run_name}__{label}", run_time=datetime.now(timezone.utc))
        outcome = self.checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
        for identifier, result in outcome.run_results.items():
            self.docs[label] = identifier
            for er in result.results:
                cfg = er.expectation_config
                column = cfg.kwargs.get("column")
                key = (cfg.meta.get("rule_id"), cfg.type, column)
                tally = self.tallies.setdefault(key, ExpectationTally(key[0], cfg.type, column))
                # Row-level expectations count their failing rows even when `mostly` lets
                # the batch pass; a failed table-level one (columns, type) counts once.
                unexpected = er.result.get("unexpected_count")
                failing = unexpected if unexpected is not None else int(not er.success)
                if failing:
                    tally.n_failing += failing
                    tally.failed_batches.append(label)


def validate_dataset(
    context: Any,
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    run_name: str,
    batch_rows: int,
) -> DatasetValidation:
    """GX on one raw dataset: its schema once, then its row-level flags batch by batch."""
    schema = _Validator(context, build_schema_suite(contract), run_name)
    schema.run("schema", con.execute(f"SELECT * FROM raw.{contract.dataset} LIMIT 0").df())
    rows = _Validator(context, build_rows_suite(contract), run_name)
    n_rows = 0
    for label, frame in read_batches(con, contract, batch_rows):
        n_rows += len(frame)
        rows.run(label, frame)
    return DatasetValidation(
        contract.dataset, n_rows, [*schema.tallies.values(), *rows.tallies.values()],
        {**schema.docs, **rows.docs},
    )


def build_docs(context: Any, validations: list[DatasetValidation]) -> Path | None:
    """Render the Data Docs once for the whole run; replace identifiers by page paths."""
    index = context.build_data_docs(site_names=[SITE_NAME]).get(SITE_NAME)
    for v in validations:
        for label, identifier in list(v.docs_by_batch.items()):
            urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=SITE_NAME)
            v.docs_by_batch[label] = urls[0]["site_url"] if urls else index
    return Path(index.removeprefix("file://")) if index else None
