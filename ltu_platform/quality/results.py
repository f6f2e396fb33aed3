"""What one gate run found: a verdict per (dataset, rule) and the run's bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class RuleResult:
    """The verdict of one rule on one dataset, summed over all validated batches."""

    dataset: str
    rule_id: str
    domain_rule: str  # the R-… id the rule enforces ("contract" for structural rules)
    kind: str  # "structural", "registration" or "ingestion"
    severity: str  # "blocking" or "warning"
    tolerance: float
    description: str
    n_rows: int
    n_failing: int
    sample_markdown: str = ""  # failing rows by lineage (_source_file, _row_number), never CPR
    data_docs: str | None = None  # the Data Docs page of the worst batch

    @property
    def share_failing(self) -> float:
        return self.n_failing / self.n_rows if self.n_rows else 0.0

    @property
    def passed(self) -> bool:
        return self.share_failing <= self.tolerance

    @property
    def blocks(self) -> bool:
        return self.severity == "blocking" and not self.passed


@dataclass
class GateResult:
    run_id: str
    rules: list[RuleResult]
    reconciliation: pd.DataFrame  # per dataset and partition: rows in, passed, quarantined
    data_docs_index: Path | None
    quarantined_by_rule: pd.DataFrame = field(default_factory=pd.DataFrame)  # by the ingestion
    mart_rows: int = 0  # rows of quality.registration_quality

    @property
    def passed(self) -> bool:
        """The gate opens when no blocking rule fails (reconciliation is one of them)."""
        return not any(r.blocks for r in self.rules)

    @property
    def reconciled(self) -> bool:
        rec = self.reconciliation
        return bool((rec["rows_in"] == rec["rows_passed"] + rec["rows_quarantined"]).all())

    def for_dataset(self, dataset: str) -> list[RuleResult]:
        return [r for r in self.rules if r.dataset == dataset]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "dataset": r.dataset,
                    "rule": r.rule_id,
                    "domain_rule": r.domain_rule,
                    "severity": r.severity,
                    "tolerance": r.tolerance,
                    "rows": r.n_rows,
                    "failing": r.n_failing,
                    "share_failing": round(r.share_failing, 6),
                    "passed": r.passed,
                }
                for r in self.rules
            ],
            columns=["dataset", "rule", "domain_rule", "severity", "tolerance", "rows",
                     "failing", "share_failing", "passed"],
        )
