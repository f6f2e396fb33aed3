"""A new monthly delivery updates the facts incrementally, and the result equals a full refresh."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd

from tests.dbt.compare import read_table, tables_in
from tests.dbt.dbt_runner import run_dbt
from tests.dbt.synthetic_raw import add_months, deliver, generate

FIRST = date(2016, 10, 1)
N_MONTHS = 18
# seeds and models only: the models' logic is what differs between the paths (tests run elsewhere)
MODELS = ("build", "--resource-type", "seed", "--resource-type", "model")
INCREMENTAL = {"int_spells", "int_spell_months", "int_conversations_linked", "fct_conversations",
               "fct_dagpenge_months"}


def _incremental_models(log: str) -> set[str]:
    """Models dbt ran with the incremental materialization (from its log lines)."""
    return {line.split("incremental model ")[1].split()[0].split(".")[-1]
            for line in log.splitlines() if "OK created sql incremental model" in line}


def _persons_rebuilt_last(warehouse) -> tuple[int, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(distinct person_key) filter (where _built_watermark = (select max(_built_watermark)"
            " from intermediate.int_spells)), count(distinct person_key) from intermediate.int_spells"
        ).fetchone()


def test_incremental_build_equals_full_refresh(warehouse, tmp_path):
    raw = generate(FIRST, N_MONTHS, n_persons=70, seed=3)
    month_n = add_months(FIRST, N_MONTHS - 3)
    assert deliver(raw, warehouse, through_month=month_n) > 0
    run_dbt(warehouse, *MODELS)

    # months N+1 and N+2 arrive one at a time (N+2 is a January: new register years too)
    for month in (add_months(month_n, 1), add_months(month_n, 2)):
        assert deliver(raw, warehouse, through_month=month, after_month=add_months(month, -1)) > 0
        log = run_dbt(warehouse, *MODELS)
        assert _incremental_models(log) >= INCREMENTAL

    rebuilt, persons = _persons_rebuilt_last(warehouse)
    assert 0 < rebuilt < persons, "the last delivery should recompute some persons, not all"

    # the same warehouse path for the full refresh keeps dbt's partial parse valid
    incremental = tmp_path / "incremental.duckdb"
    shutil.copy(warehouse, incremental)
    run_dbt(warehouse, *MODELS, "--full-refresh")
    assert _persons_rebuilt_last(warehouse)[0] == persons

    tables = tables_in(warehouse, "marts") + tables_in(warehouse, "intermediate")
    assert {f"marts.fct_{name}" for name in ("joint_conversation_indicators", "selfbooking_share",
                                             "akasse_participation", "experiment_compliance",
                                             "pilot_intake", "contact_courses")} <= set(tables)
    for table in tables:
        got, expected = read_table(incremental, table), read_table(warehouse, table)
        assert len(expected) > 0, f"{table} is empty: the comparison would prove nothing"
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=table)
