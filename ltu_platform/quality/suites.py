"""GX expectation suites, generated from the data contracts (the single source of columns).

Two suites per dataset:
- ``schema``: the raw table's column list (contract columns, then the ingestion's lineage) and
  each column's type; judged once on the table's (empty) frame, since types do not vary by row;
- ``rows``: one expectation per row-level rule (``registration_rules.rule_ids``: the contract's
  column constraints, its primary key and its registration rules), judging the flag column
  that DuckDB computed, with the contract's tolerance as GX's ``mostly``.

great_expectations is imported inside the functions: it takes seconds to import and the
Dagster code location must load fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ltu_platform.contracts import Contract
from ltu_platform.ingest.raw_schema import LINEAGE_COLUMNS
from ltu_platform.quality.registration_rules import PRIMARY_KEY_RULE, STRUCTURE_RULE, rule_ids

if TYPE_CHECKING:
    import great_expectations as gx

# pandas dtypes DuckDB hands over for each contract type (nullable variants included).
PANDAS_TYPES: dict[str, list[str]] = {
    "string": ["object", "str", "string"],
    "cpr": ["object", "str", "string"],
    "integer": ["int64", "Int64", "int32", "Int32"],
    "decimal": ["float64", "Float64"],
    "date": ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"],
    "timestamp": ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"],
    "boolean": ["bool", "boolean"],
}


def flag_column(rule_id: str) -> str:
    return f"fails__{rule_id}"


def raw_columns(contract: Contract) -> list[str]:
    """The raw table's columns in order: the contract's (CPR as person_key), then lineage."""
    return [*(c.warehouse_name for c in contract.columns), *LINEAGE_COLUMNS]


def rule_settings(contract: Contract) -> dict[str, dict[str, Any]]:
    """Severity, tolerance, domain rule and kind per row-level rule id, from the contract.

    Structural rules always block and tolerate nothing."""
    structural = {"severity": "blocking", "tolerance": 0.0, "domain_rule": "contract", "kind": "structural"}
    settings = {
        STRUCTURE_RULE: {**structural, "description": "Columns, types, nullability, codes and ranges per the data contract"},
        PRIMARY_KEY_RULE: {**structural, "description": f"Primary key ({', '.join(contract.primary_key)}) is unique"},
    }
    for r in contract.registration_rules:
        settings[r.id] = {
            "severity": r.severity, "tolerance": r.tolerance, "domain_rule": r.rule,
            "kind": "registration", "description": r.description,
        }
    return settings


def build_schema_suite(contract: Contract) -> "gx.ExpectationSuite":
    import great_expectations as gx
    import great_expectations.expectations as gxe

    meta = {"rule_id": STRUCTURE_RULE}
    suite = gx.ExpectationSuite(name=f"raw_{contract.dataset}_schema")
    suite.add_expectation(gxe.ExpectTableColumnsToMatchOrderedList(column_list=raw_columns(contract), meta=meta))
    for c in contract.columns:
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInTypeList(column=c.warehouse_name, type_list=PANDAS_TYPES[c.type], meta=meta)
        )
    return suite


def build_rows_suite(contract: Contract) -> "gx.ExpectationSuite":
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=f"raw_{contract.dataset}_rows")
    for rule_id, s in rule_settings(contract).items():
        # A passing row has flag False; `mostly` lets GX judge each batch against the
        # contract's tolerance (the gate's verdict sums the counts over all batches).
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(
                column=flag_column(rule_id), value_set=[False], mostly=1.0 - s["tolerance"],
                meta={"rule_id": rule_id, "severity": s["severity"], "domain_rule": s["domain_rule"]},
            )
        )
    return suite
