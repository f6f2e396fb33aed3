"""``quality.registration_quality``: how well each jobcentre and a-kasse registers, per month.

Published beside the indicators (R-JOINT-3: registration is error-prone, so its quality is
shown with the numbers). Grain: month × level × unit_code × dataset × rule_id, with the
indicator marts' conventions (month = first day, level, unit_code as text, DK = national).
"""

from __future__ import annotations

import duckdb

from ltu_platform.contracts import load_contracts
from ltu_platform.quality.quarantine import SCHEMA
from ltu_platform.quality.registration_rules import FAILURES_TABLE

# Who answers for a registration: the holder of a conversation (the jobcentre's kommunekode or
# the a-kasse code in actor_code), the paying a-kasse of a payment. SQL on raw.<dataset> t.
REPORTING_UNIT: dict[str, tuple[str, str]] = {
    "conversations": (
        "CASE t.held_by WHEN 'jobcenter' THEN 'jobcenter' ELSE 'akasse' END", "t.actor_code"
    ),
    "dagpenge_payments": ("'akasse'", "t.akasse_code"),
}


def _dataset_sql(dataset: str) -> str:
    contract = load_contracts()[dataset]
    level, unit = REPORTING_UNIT[dataset]
    month = f"date_trunc('month', t.{contract.partition_column})::DATE"
    rules = ", ".join(f"('{r.id}')" for r in contract.registration_rules)
    return f"""
        WITH units AS (
            SELECT {month} AS month, {level} AS level, {unit}::VARCHAR AS unit_code,
                   t._source_file, t._row_number
            FROM raw.{dataset} AS t
            UNION ALL
            SELECT {month}, 'national', 'DK', t._source_file, t._row_number FROM raw.{dataset} AS t
        ), registrations AS (
            SELECT month, level, unit_code, count(*) AS n_registrations FROM units GROUP BY ALL
        ), failing AS (
            SELECT u.month, u.level, u.unit_code, f.rule_id, count(*) AS n_failing
            FROM units AS u
            JOIN {FAILURES_TABLE} AS f
              ON f.dataset = '{dataset}' AND f._source_file = u._source_file
             AND f._row_number = u._row_number
            GROUP BY ALL
        )
        SELECT r.month, r.level, r.unit_code, '{dataset}' AS dataset, k.rule_id,
               r.n_registrations, coalesce(f.n_failing, 0) AS n_failing,
               coalesce(f.n_failing, 0) / r.n_registrations AS share_failing
        FROM registrations AS r
        CROSS JOIN (VALUES {rules}) AS k(rule_id)
        LEFT JOIN failing AS f USING (month, level, unit_code, rule_id)
    """


def write_registration_quality(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> int:
    """Rebuild the mart from this run's failures; returns its row count."""
    parts = [
        _dataset_sql(d)
        for d in datasets
        if d in REPORTING_UNIT and load_contracts()[d].registration_rules
    ]
    if not parts:
        return 0
    con.execute(
        f"CREATE OR REPLACE TABLE {SCHEMA}.registration_quality AS "
        + " UNION ALL ".join(f"({p})" for p in parts)
        + " ORDER BY month, level, unit_code, dataset, rule_id"
    )
    return con.execute(f"SELECT count(*) FROM {SCHEMA}.registration_quality").fetchone()[0]
