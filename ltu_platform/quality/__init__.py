"""The registration-quality gate (GX Core 1.x on pandas batches, rules pushed down to DuckDB).

Entry point without Dagster: ``run_gate(warehouse_path, out_dir) -> GateResult``.
"""

from ltu_platform.quality.gate import gate_on_connection, run_gate
from ltu_platform.quality.results import GateResult, RuleResult

__all__ = ["GateResult", "RuleResult", "gate_on_connection", "run_gate"]
