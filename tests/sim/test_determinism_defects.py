"""Determinism (byte-identical reruns) and injected registration defects (defects.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltu_platform.rules import RULES
from ltu_sim import SCALES, simulate
from tests.sim.helpers import read_dataset

SMALL = 250  # spells a year: enough to touch every dataset, quick to generate twice


def _bytes(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory):
    """Seed 7 twice, seed 8, and seed 7 as parquet."""
    root = tmp_path_factory.mktemp("sim_small")
    for name, seed, fmt in (("a", 7, "csv"), ("b", 7, "csv"), ("c", 8, "csv"), ("pq", 7, "parquet")):
        simulate(root / name / "landing", root / name / "truth", seed=seed, spells_per_year=SMALL, file_format=fmt)
    return root


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(small_runs):
    runs = {name: _bytes(small_runs / name) for name in ("a", "b", "c")}
    assert runs["a"] == runs["b"]
    assert runs["a"].keys() == runs["c"].keys()  # the same layout ...
    changed = [k for k in runs["a"] if runs["a"][k] != runs["c"][k]]
    assert len(changed) > len(runs["a"]) // 2  # ... with different contents


def test_parquet_deliveries_hold_the_same_rows(small_runs):
    rel = "dfdg/conversations/2020-03/conversations_2020-03"
    csv = pd.read_csv(small_runs / "a" / "landing" / f"{rel}.csv", sep=";", dtype=str, encoding="utf-8-sig",
                      keep_default_na=False)
    pq = pd.read_parquet(small_runs / "pq" / "landing" / f"{rel}.parquet")
    assert list(pq.columns) == list(csv.columns) and len(pq) == len(csv) > 0
    assert (pq["conversation_id"] == csv["conversation_id"]).all()
    assert (pq["conversation_date"].astype(str) == csv["conversation_date"]).all()
    assert (pq["walk_in"].astype(int).astype(str) == csv["walk_in"]).all()


def test_defect_log_matches_the_rows_that_break_the_rules(clean_run, defect_run):
    log = pd.read_parquet(defect_run / "truth" / "defects.parquet")
    assert list(log.columns) == ["dataset", "record_id", "defect_kind", "rule_id", "column_name"]
    assert len(pd.read_parquet(clean_run / "truth" / "defects.parquet")) == 0
    clean = read_dataset(clean_run, "conversations").set_index("conversation_id")
    dirty = read_dataset(defect_run, "conversations").set_index("conversation_id")
    kinds = log.groupby("defect_kind")["record_id"].apply(set)

    added = set(dirty.index) - set(clean.index)
    assert added == kinds["duplicate_registration"] | kinds["conversation_outside_spell"] | kinds[
        "kontaktforloeb_non_member"]
    common = dirty.loc[clean.index]
    changed = common.index[(common.drop(columns="_partition") != clean.drop(columns="_partition")).any(axis=1)]
    assert set(changed) == kinds["joint_missing_participation"] | kinds["job_missing_booking"] | kinds["unknown_code"]

    joint = dirty[dirty["conversation_type"].str.startswith("faelles")]
    assert set(joint.index[joint["akasse_participation"] == ""]) == kinds["joint_missing_participation"]
    job = dirty[(dirty["conversation_type"] == "job") & (dirty["walk_in"] == "0")]
    assert set(job.index[job["booking_method"] == ""]) == kinds["job_missing_booking"]
    bad_type = ~dirty["conversation_type"].isin(["cv", "raadighed", "job", "faelles_1", "faelles_2", "faelles_3",
                                                  "kontaktforloeb"])
    bad_booking = ~dirty["booking_method"].isin(["selvbooket", "indkaldt", ""])
    assert set(dirty.index[bad_type | bad_booking]) == kinds["unknown_code"]
    dup_key = dirty.duplicated(["cpr", "conversation_date", "conversation_type", "actor_code"], keep="first")
    assert dup_key.sum() >= len(kinds["duplicate_registration"])

    pay = read_dataset(defect_run, "dagpenge_payments")
    hours = pay["hours"].str.replace(",", ".").astype(float)
    out_of_norm = set(pay.loc[(hours <= 0) | (hours > RULES.monthly_hours_norm), "payment_id"])
    assert out_of_norm == kinds["payment_hours_invalid"]

    # Counts follow the configured rates (binomial, 4 standard errors).
    rates = SCALES["test"].defect_rates
    n_job = ((clean["conversation_type"] == "job") & (clean["walk_in"] == "0")).sum()
    n_missing = len(kinds["job_missing_booking"])
    expected = rates["job_missing_booking"] * n_job
    assert abs(n_missing - expected) <= 4 * np.sqrt(expected) + 1
    # Truth indicators come from the clean events, whatever the defects.
    for mart in ("fct_selfbooking_share", "fct_akasse_participation"):
        a = pd.read_parquet(clean_run / "truth" / "indicators" / f"{mart}.parquet")
        b = pd.read_parquet(defect_run / "truth" / "indicators" / f"{mart}.parquet")
        pd.testing.assert_frame_equal(a, b)


def test_clean_files_equal_default_files_outside_the_defect_datasets(clean_run, defect_run):
    for dataset in ("placements", "person_year", "questionnaire_answers", "experiment_membership"):
        a = read_dataset(clean_run, dataset)
        b = read_dataset(defect_run, dataset)
        pd.testing.assert_frame_equal(a, b)
