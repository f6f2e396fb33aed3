"""The model's features: the columns of ``marts.fct_risk_features`` it may see, and their levels.

Column roles follow docs/architecture.md ("The feature mart"). Category levels of coded
columns come from the data contracts (the single source of codes); the questionnaire answer
codes are free text in the contract, so their levels are learned from the training data.
"""

from __future__ import annotations

import pandas as pd

from ltu_platform.contracts import get_contract
from ml.feature_frame import FeatureSpec

MART = "marts.fct_risk_features"
IDENTIFIERS = ("person_key", "spell_key")  # never a feature, never in an MLflow artifact
LABELS = ("ltu", "ltu_26w", "censored")
# Context columns of the mart that are not features: when and where the spell started.
# The jobcentre and a-kasse are left out so the score is not a postcode or fund lottery.
CONTEXT = ("spell_start", "cohort", "jobcenter_code", "akasse_code")

NUMERIC = (
    "age",
    "years_since_graduation",
    "children_in_custody",
    "wage_income_last_year",
    "weeks_public_support_last_year",
    "weeks_public_support_3y",
    "prior_spells",
)
BOOLEAN = ("education_vocational", "is_graduate")
# Coded mart column -> (contract, column) holding its allowed codes.
CODED = {
    "sex": ("persons", "sex"),
    "origin": ("persons", "origin"),
    "education_level": ("person_year", "education_level"),
    "industry": ("person_year", "industry"),
    "placement_reason": ("placements", "placement_reason"),
}
PROTECTED = "origin"  # the attribute compared with and without (evaluation)


def _question_codes() -> tuple[list[str], list[str]]:
    """Standard questions (Q01..Q10) and the funds' own (AK..), from the contract (R-PROF-3)."""
    allowed = get_contract("questionnaire_answers").column("question_code").allowed_values() or []
    standard = sorted(c.lower() for c in allowed if not c.upper().startswith("AK"))
    funds = sorted(c.lower() for c in allowed if c.upper().startswith("AK"))
    return standard, funds


QUESTIONS, FUND_QUESTIONS = _question_codes()


class FundQuestionError(ValueError):
    pass


def assert_no_fund_questions(df: pd.DataFrame) -> None:
    """R-PROF-3: the funds' own extra questions never enter the statistical assessment."""
    leaked = [c for c in df.columns if c.lower() in FUND_QUESTIONS or c.lower().startswith("ak0")]
    if leaked:
        raise FundQuestionError(
            f"{MART}: columns {leaked} are a-kasse's own questions; R-PROF-3 forbids them as inputs"
        )


def build_spec(train: pd.DataFrame) -> FeatureSpec:
    """The feature spec for one training run: contract codes plus the answers seen in training."""
    assert_no_fund_questions(train)
    categories: dict[str, tuple[str, ...]] = {}
    for col, (dataset, contract_col) in CODED.items():
        categories[col] = tuple(get_contract(dataset).column(contract_col).allowed_values() or [])
    for q in QUESTIONS:
        seen = train[q].dropna().astype(str).unique()
        categories[q] = tuple(sorted(seen))
    return FeatureSpec(numeric=NUMERIC, boolean=BOOLEAN, categories=categories)


STRICT = tuple(CODED)  # contract-coded columns: an unknown code is an error, not "missing"
