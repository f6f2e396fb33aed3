"""The delivery period a publication rests on, and the partitions missing inside it.

From ``raw.load_log``: per source (monthly DFDG, yearly registers) the period runs from the
first to the newest successfully loaded partition over all its datasets; every dataset is
expected for every partition of its source's period (the delivery sends a header-only file
when there is nothing, docs/architecture.md "Landing zone"). A partition of a dataset with no
successful load in the period is missing: "not delivered", or "delivery failed" with the
load's message. A gap is stated in the manifest and the report, never passed over silently.
"""

from __future__ import annotations

import html
from typing import Any

import duckdb
import pandas as pd

from ltu_platform.contracts import load_contracts
from ltu_platform.ingest.discovery import partition_range
from ltu_platform.publish.sources import relation_exists
from ltu_platform.publish.tables import LOAD_LOG_RELATION


def delivery_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Per partitioning (monthly, yearly): first, newest, and the missing partitions."""
    if not relation_exists(con, LOAD_LOG_RELATION):
        return {"complete": False, "note": f"{LOAD_LOG_RELATION} not found: delivery period unknown"}
    log = con.execute(
        f'SELECT dataset, "partition", status, message, loaded_at FROM {LOAD_LOG_RELATION}').df()
    coverage: dict[str, Any] = {}
    for partitioning in ("monthly", "yearly"):
        datasets = sorted(n for n, c in load_contracts().items() if c.partitioning == partitioning)
        coverage[partitioning] = _period(log[log["dataset"].isin(datasets)], datasets, partitioning)
    coverage["complete"] = not any(coverage[p].get("missing") for p in ("monthly", "yearly"))
    return coverage


def _period(log: pd.DataFrame, datasets: list[str], partitioning: str) -> dict[str, Any]:
    loaded = log[log["status"] == "loaded"]
    if loaded.empty:
        return {"first": None, "newest": None, "missing": [], "note": "nothing loaded"}
    first, newest = loaded["partition"].min(), loaded["partition"].max()
    expected = partition_range(first, newest, partitioning)
    have = set(zip(loaded["dataset"], loaded["partition"]))
    latest_failure = (log[log["status"] != "loaded"].sort_values("loaded_at")
                      .groupby(["dataset", "partition"])["message"].last().to_dict())
    missing = [
        {"dataset": d, "partition": p,
         "reason": f"delivery failed: {latest_failure[(d, p)]}" if (d, p) in latest_failure
         else "not delivered"}
        for d in datasets for p in expected if (d, p) not in have
    ]
    return {"first": first, "newest": newest, "missing": missing}


def report_section(coverage: dict[str, Any]) -> str:
    """A short HTML section: the period and every missing partition."""
    parts = ["<h2>Delivery period</h2>"]
    if "note" in coverage:
        return "\n".join([*parts, f"<p class=note>{html.escape(coverage['note'])}</p>"])
    for partitioning, label in (("monthly", "DFDG months"), ("yearly", "register years")):
        period = coverage[partitioning]
        parts.append(f"<p>{label}: {html.escape(str(period['first']))} to "
                     f"{html.escape(str(period['newest']))}.</p>")
        if period["missing"]:
            parts.append(f"<p><strong>Missing inside the period ({len(period['missing'])}):</strong></p>")
            parts.append(pd.DataFrame(period["missing"]).to_html(index=False, border=0, escape=True))
    if coverage["complete"]:
        parts.append("<p class=note>Every dataset was delivered for every partition of the period.</p>")
    return "\n".join(parts)
