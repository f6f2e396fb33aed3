"""`dbt build` (models, data tests, unit tests at the rule boundaries) passes on an empty raw
layer and on data, and the facts keep their grain against the raw rows they come from."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from tests.dbt.dbt_runner import run_dbt
from tests.dbt.synthetic_raw import add_months, deliver, generate


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_build_on_an_empty_raw_layer(warehouse):
    log = run_dbt(warehouse, "build")
    assert "Completed successfully" in log
    # the unit tests (every rule boundary case in the model YAMLs) ran and passed
    n_unit_tests = int(re.search(r"(\d+) unit tests", log).group(1))
    assert n_unit_tests >= 11
    assert len(re.findall(r"PASS \S+::\S+", log)) == n_unit_tests
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _count(con, "select count(*) from marts.fct_contact_courses") == 0
        assert _count(con, "select count(*) from marts.dim_jobcenters") == 94
        assert _count(con, "select count(*) from marts.dim_municipalities") == 98


def test_build_on_data_keeps_the_grain(warehouse):
    first = date(2016, 3, 1)
    raw = generate(first, 20, n_persons=60, seed=5)
    deliver(raw, warehouse, through_month=add_months(first, 19))
    run_dbt(warehouse, "build", "--exclude", "test_type:unit")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # one spell per placement; one row per conversation; person keys only
        assert _count(con, "select count(*) from marts.fct_contact_courses") == _count(
            con, "select count(*) from raw.placements")
        assert _count(con, "select count(*) from marts.fct_conversations") == _count(
            con, "select count(*) from raw.conversations")
        assert _count(con, "select count(*) from marts.fct_selfbooking_share") > 0
        columns = {c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts'").fetchall()}
        assert "cpr" not in columns
