"""The model's parts at their boundaries, against hand-computed cases (no MLflow server)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.evaluate import expected_calibration_error, precision_recall_at
from ml.fairness import age_band, group_metrics, lowest_selection_rate_ratio
from ml.feature_frame import FeatureSpec, UnknownCategoryError, model_frame
from ml.features import IDENTIFIERS, FundQuestionError, assert_no_fund_questions, build_spec
from ml.receipt import receipt_text
from ml.risk_groups import fit_risk_groups
from ml.split import NotEnoughCohortsError, open_spells, split_by_cohort
from ml.train import at_risk_threshold
from ml.config import TrainConfig
from tests.ml.mart_fixture import make_mart


@pytest.fixture(scope="module")
def small_mart():
    mart, _ = make_mart(spells_per_year=300, seed=3)
    return mart


def test_split_is_out_of_time_and_never_uses_censored_spells(small_mart):
    split = split_by_cohort(small_mart)
    assert split.cohorts == {"train": list(range(2016, 2022)), "validation": [2022], "test": [2023]}
    used = pd.concat([split.train, split.validation, split.test])
    assert not used["censored"].any() and used["ltu"].notna().all()
    assert len(used) + len(open_spells(small_mart)) == len(small_mart)
    assert open_spells(small_mart)["cohort"].eq(2024).all()


def test_split_needs_three_labelled_cohorts(small_mart):
    with pytest.raises(NotEnoughCohortsError, match="at least 3 labelled cohorts"):
        split_by_cohort(small_mart[small_mart["cohort"] >= 2022])


def test_features_exclude_identifiers_and_the_funds_questions(small_mart):
    spec = build_spec(small_mart)
    assert not set(IDENTIFIERS) & set(spec.columns)
    assert {"jobcenter_code", "akasse_code", "ltu", "censored", "cohort"}.isdisjoint(spec.columns)
    assert [c for c in spec.columns if c.startswith("q")] == [f"q{i:02d}" for i in range(1, 11)]
    with pytest.raises(FundQuestionError, match="R-PROF-3"):
        assert_no_fund_questions(small_mart.assign(ak01="x"))


def test_an_unknown_contract_code_is_an_error_naming_column_row_and_value(small_mart):
    spec = build_spec(small_mart)
    bad = small_mart.head(3).copy()
    bad.loc[bad.index[1], "origin"] = "mars"
    with pytest.raises(UnknownCategoryError, match=r"'origin', row 1: value 'mars'"):
        model_frame(bad, spec, strict=("origin",))


def test_expected_calibration_error_by_hand():
    # bin [0.1,0.2): p=0.1,0.1 vs y=0,1 -> gap |1-0.2| = 0.8 over 2 rows; bin [0.9,1]: p=0.9, y=1 -> gap 0.1
    y = np.array([0, 1, 1])
    p = np.array([0.1, 0.1, 0.9])
    assert expected_calibration_error(y, p) == pytest.approx((0.8 + 0.1) / 3)


def test_precision_and_recall_at_top_share_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.05, 0.0, 0.01, 0.02, 0.7])
    # top 25 % of 10 = ceil(2.5) = 3 rows: 0.9 (y=1), 0.8 (y=0), 0.7 (y=1)
    assert precision_recall_at(y, p, 0.25) == pytest.approx((2 / 3, 2 / 3))


def test_age_bands_at_the_rule_ages():
    bands = age_band(pd.Series([24, 25, 49, 50]))
    assert list(bands) == ["<25", "25-49", "25-49", "50+"]  # R-AK-8 under 25; R-PILOT-2 50+ is age >= 50


def test_group_metrics_by_hand():
    df = pd.DataFrame({"origin": ["dansk"] * 4 + ["ikke_vestlig"] * 2, "sex": "M", "age": 30,
                       "is_graduate": False, "education_level": "gymnasial"})
    y = np.array([1, 0, 0, 0, 1, 0])
    flag = np.array([True, False, False, False, True, True])
    table = group_metrics(df, y, np.full(6, 0.3), flag).set_index(["attribute", "group"])
    dansk, iv = table.loc[("origin", "dansk")], table.loc[("origin", "ikke_vestlig")]
    assert dansk["selection_rate"] == 0.25 and iv["selection_rate"] == 1.0
    assert dansk["selection_rate_ratio"] == 0.25
    assert dansk["fpr"] == 0.0 and iv["fpr"] == 1.0 and dansk["fnr"] == 0.0
    assert lowest_selection_rate_ratio(table.reset_index(), min_group_size=3) == (0.25, "origin=dansk")


def test_threshold_policies():
    p = np.linspace(0, 1, 101)
    assert at_risk_threshold(p, TrainConfig(threshold_policy="top_share", threshold_value=0.25)) == pytest.approx(0.75)
    assert at_risk_threshold(p, TrainConfig(threshold_policy="probability", threshold_value=0.3)) == 0.3


def test_risk_groups_recover_a_one_split_segment_in_words():
    spec = FeatureSpec(numeric=("wage_income_last_year",), boolean=(), categories={"origin": ("dansk", "vestlig", "ikke_vestlig")})
    df = pd.DataFrame({"wage_income_last_year": [0.0] * 50 + [300_000.0] * 150, "origin": ["dansk"] * 200})
    score = np.where(df["wage_income_last_year"] == 0, 0.5, 0.1)
    groups = fit_risk_groups(df, spec, score, depth=1, seed=0)
    top = groups.groups[0]
    assert top.name == "1" and top.mean_probability == pytest.approx(0.5) and top.share == pytest.approx(0.25)
    assert top.description("da").startswith("lønindkomst sidste år (kr.) højst")
    assert top.description("en").startswith("wage income last year (DKK) at most")
    assert list(groups.assign(df, spec)) == ["1"] * 50 + ["2"] * 150


def test_receipt_is_danish_and_states_human_oversight():
    text = receipt_text(0.314, True, "2", "alder mindst 58", "alder: 60 (øger risikoen); branche: C (øger risikoen)")
    assert "særlig risiko" in text and "31 ud af 100" in text
    assert "  - alder: 60 (øger risikoen)\n  - branche: C (øger risikoen)" in text
    assert "sagsbehandlerens vurdering, der gælder" in text  # R-PROF-6


def test_a_barely_labelled_newest_cohort_is_not_the_test_cohort(small_mart):
    # Spells started on 1-2 January of the newest year are already labelled (day 364 is in the
    # newest delivered month); two of them must not become the whole test set.
    mart = small_mart.copy()
    sliver = mart.index[mart["cohort"] == 2024][:2]
    mart.loc[sliver, "censored"] = False
    mart.loc[sliver, "ltu"] = 1.0
    split = split_by_cohort(mart)
    assert split.cohorts["test"] == [2023] and split.cohorts["validation"] == [2022]
