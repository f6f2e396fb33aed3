"""The ML tables in the DuckDB warehouse (schema ``ml``): scores, receipts, jobcentre records.

``ml.caseworker_overrides`` is a log: it is created once and only ever appended to, so
re-scoring never loses a caseworker's assessment (R-PROF-6).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import duckdb
import pandas as pd

from ltu_platform.contracts import get_contract
from ml.features import MART

SCHEMA = "ml"
SCORES, RECEIPTS, ASSESSMENTS, OVERRIDES = (
    f"{SCHEMA}.risk_scores",
    f"{SCHEMA}.citizen_receipts",
    f"{SCHEMA}.jobcenter_assessments",
    f"{SCHEMA}.caseworker_overrides",
)
# The caseworker answers with the same codes as the registered profile assessment.
ASSESSMENT_CODES = tuple(get_contract("profile_assessments").column("risk_assessment").allowed_values() or [])
AT_RISK_CODE, NOT_AT_RISK_CODE = "hoej_risiko", "ikke_hoej_risiko"


class OverrideError(ValueError):
    pass


def read_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(f"select * from {MART}").df()


def replace_table(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.register("_frame", df)
    try:
        con.execute(f"create or replace table {table} as select * from _frame")
    finally:
        con.unregister("_frame")
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def ensure_overrides(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""create table if not exists {OVERRIDES} (
            override_id varchar primary key,
            spell_key varchar not null,
            model_version varchar,
            statistical_at_risk boolean,
            caseworker_assessment varchar not null,
            reason varchar not null,
            caseworker varchar not null,
            recorded_at timestamp not null
        )"""
    )


def record_override(
    con: duckdb.DuckDBPyConnection, spell_key: str, assessment: str, reason: str, caseworker: str
) -> str:
    """Log the caseworker's own assessment of a scored spell; it is decisive (R-PROF-6)."""
    if assessment not in ASSESSMENT_CODES:
        raise OverrideError(f"{OVERRIDES}: assessment {assessment!r} is not one of {list(ASSESSMENT_CODES)}")
    if not reason.strip():
        raise OverrideError(f"{OVERRIDES}: spell {spell_key}: a caseworker assessment needs a reason (R-PROF-6)")
    row = con.execute(f"select model_version, at_risk from {SCORES} where spell_key = ?", [spell_key]).fetchone()
    if row is None:
        raise OverrideError(f"{OVERRIDES}: spell {spell_key!r} has no row in {SCORES}")
    ensure_overrides(con)
    override_id = uuid.uuid4().hex
    con.execute(
        f"insert into {OVERRIDES} values (?, ?, ?, ?, ?, ?, ?, ?)",
        [override_id, spell_key, row[0], row[1], assessment, reason, caseworker, datetime.now(timezone.utc).replace(tzinfo=None)],
    )
    return override_id


def build_jobcenter_assessments(con: duckdb.DuckDBPyConnection, data_columns: list[str]) -> int:
    """The record shared with the jobcentre (R-PROF-4): assessment, data used, caseworker's view.

    ``decisive_assessment`` is the caseworker's latest assessment where there is one, else the
    statistical one (R-PROF-6).
    """
    ensure_overrides(con)
    pairs = ", ".join(f"'{c}', f.{c}" for c in data_columns)
    con.execute(
        f"""create or replace table {ASSESSMENTS} as
        with latest_override as (
            select * from {OVERRIDES}
            qualify row_number() over (partition by spell_key order by recorded_at desc, override_id desc) = 1
        )
        select
            s.spell_key, s.person_key, s.spell_start, s.jobcenter_code, s.akasse_code,
            s.model_name, s.model_version, s.scored_at as assessed_at,
            s.probability as statistical_probability,
            case when s.at_risk then '{AT_RISK_CODE}' else '{NOT_AT_RISK_CODE}' end as statistical_assessment,
            s.risk_group, s.risk_group_description, s.top_reasons,
            json_object({pairs}) as data_used,
            o.caseworker_assessment, o.reason as caseworker_reason, o.caseworker,
            o.recorded_at as caseworker_assessed_at,
            coalesce(o.caseworker_assessment,
                     case when s.at_risk then '{AT_RISK_CODE}' else '{NOT_AT_RISK_CODE}' end) as decisive_assessment
        from {SCORES} as s
        join {MART} as f using (spell_key)
        left join latest_override as o using (spell_key)"""
    )
    return int(con.execute(f"select count(*) from {ASSESSMENTS}").fetchone()[0])
