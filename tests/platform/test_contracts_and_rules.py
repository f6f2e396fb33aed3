"""The shared foundations: contracts, domain rule vars, pseudonymisation, settings."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ltu_platform.contracts import SEEDS_DIR, load_contracts
from ltu_platform.pseudonym import MissingPseudonymisationKey, person_key, pseudo_key
from ltu_platform.rules import RULES
from ltu_platform.settings import load_settings

EXPECTED_DATASETS = {
    "persons", "person_year", "income_support_periods", "placements", "dagpenge_payments",
    "conversations", "questionnaire_answers", "profile_assessments", "experiment_membership",
    "pilot_participation",
}


def test_one_contract_per_landing_dataset():
    assert set(load_contracts()) == EXPECTED_DATASETS


@pytest.mark.parametrize("dataset", sorted(EXPECTED_DATASETS))
def test_contract_is_complete(dataset):
    contract = load_contracts()[dataset]
    assert contract.description.strip()
    for column in contract.columns:
        assert column.description.strip(), f"{dataset}.{column.name} lacks a description"
        codes = column.allowed_values()
        if codes is not None:
            assert codes, f"{dataset}.{column.name}: empty code list"
    # Every dataset identifies a person and is pseudonymised at ingestion.
    assert any(c.type == "cpr" for c in contract.columns)
    partition = contract.column(contract.partition_column)
    assert partition.type == ("integer" if contract.partitioning == "yearly" else "date")


def test_codes_from_seeds_are_the_real_reference_lists():
    municipalities = load_contracts()["placements"].column("municipality_code").allowed_values()
    assert len(municipalities) == 98  # every Danish kommunekode
    assert {"101", "147", "461", "751"} <= set(municipalities)  # R-AK-1 experiment municipalities
    with (SEEDS_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        jobcenters = {row["jobcenter_code"] for row in csv.DictReader(f)}
    assert len(jobcenters) == 94
    with (SEEDS_DIR / "akasser.csv").open(encoding="utf-8") as f:
        funds = list(csv.DictReader(f))
    assert len(funds) == 22
    assert sum(f["in_experiment"] == "true" for f in funds) == 9  # R-AK-1: 9 a-kasser


def test_rule_vars_match_domain_boundaries():
    # domain.md, Precise boundaries: 0.8 x 52 x 37 hours; 160.33 hours a month; 410 hours.
    assert RULES.ltu_threshold_hours == pytest.approx(0.8 * 52 * 37)
    assert RULES.ltu_short_threshold_hours == pytest.approx(0.8 * 26 * 37)
    assert RULES.pilot_max_used_hours == pytest.approx(2 * RULES.hours_per_month, abs=0.01)
    assert RULES.transfer_hours == 410
    assert RULES.experiment_start == date(2019, 7, 1)
    with pytest.raises(AttributeError):
        RULES.no_such_rule


def test_person_key_is_keyed_and_stable():
    a = person_key("0101901234", b"key-1")
    assert a == person_key("0101901234", b"key-1")
    assert a != person_key("0101901234", b"key-2")
    assert a != person_key("0101901235", b"key-1")
    assert "0101901234" not in a and len(a) == 20


def test_missing_key_is_a_clear_error():
    with pytest.raises(MissingPseudonymisationKey, match="LTU_PSEUDO_KEY"):
        pseudo_key({})


def test_one_data_directory_holds_every_output(tmp_path):
    s = load_settings({"LTU_DATA_DIR": str(tmp_path)})
    for location in (Path(s.landing_url), s.truth_dir, s.warehouse_path, s.published_dir,
                     s.dagster_home, s.mlflow_dir):
        assert tmp_path in location.parents
    moved = load_settings({"LTU_DATA_DIR": str(tmp_path), "LTU_WAREHOUSE": "/elsewhere/w.duckdb"})
    assert moved.warehouse_path == Path("/elsewhere/w.duckdb")
