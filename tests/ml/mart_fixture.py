"""A feature mart with a known true probability, for the model tests.

Until the simulator → ingestion → dbt chain builds ``marts.fct_risk_features`` fast enough
for the ML tests, this draws rows with exactly the documented mart columns, and the label
from a known probability built like R-PROF-7's groups (A: no wage income, many of them
graduates; B: seniors in some industries with extensive or no benefit history; C: younger
people in some industries with a benefit history or immigrant background). The true
probability is the independent truth the oracle AUC is computed from. Identifiers are real
pseudonyms of random CPR-like numbers, so the privacy tests look for the real thing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ltu_platform.contracts import get_contract
from ltu_platform.pseudonym import person_key

KEY = b"test-key"
SENIOR_INDUSTRIES = list("BCFH")
YOUNG_INDUSTRIES = list("GIN")


def _levels(dataset: str, column: str) -> list[str]:
    return get_contract(dataset).column(column).allowed_values() or []


def make_mart(spells_per_year: int = 5000, first_year: int = 2016, last_year: int = 2024, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mart rows, truth ``cpr, person_key, spell_start, true_probability``); the last cohort is censored."""
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    n = spells_per_year * len(years)
    cohort = np.repeat(years, spells_per_year)
    start = pd.to_datetime(cohort.astype(str) + "-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
    age = rng.integers(18, 67, n)
    origin = rng.choice(_levels("persons", "origin"), n, p=[0.8, 0.07, 0.13])
    sex = rng.choice(_levels("persons", "sex"), n)
    education = rng.choice(_levels("person_year", "education_level"), n)
    graduate = (rng.random(n) < 0.10) & (age < 35)
    no_wage = np.where(graduate, rng.random(n) < 0.6, rng.random(n) < 0.10)
    wage = np.where(no_wage, 0.0, rng.gamma(3.0, 110_000, n).round(0))
    industry = np.where(no_wage, None, rng.choice(_levels("person_year", "industry"), n)).astype(object)
    weeks_1y = np.where(rng.random(n) < 0.5, 0.0, rng.gamma(1.5, 8, n).clip(0, 52).round(1))
    weeks_3y = (weeks_1y * 2 + rng.gamma(1.2, 12, n)).clip(0, 156).round(1)
    prior = rng.poisson(0.6, n)
    q01 = rng.choice(["1", "2", "3", "4", None], n, p=[0.25, 0.25, 0.15, 0.1, 0.25]).astype(object)  # own expectation
    q05 = rng.choice(["ja", "nej", None], n, p=[0.2, 0.55, 0.25]).astype(object)  # challenges beyond unemployment

    a = no_wage
    b = (age >= 50) & np.isin(industry.astype(str), SENIOR_INDUSTRIES) & ((weeks_3y > 40) | (weeks_3y < 3))
    c = (age < 50) & np.isin(industry.astype(str), YOUNG_INDUSTRIES) & (((origin == "dansk") & (weeks_3y > 30)) | (origin != "dansk"))
    # Threshold effects and interactions (U-shapes in age and benefit history): a linear
    # logit cannot represent them, a tree ensemble can.
    logit = (
        -2.6 + 1.6 * a * ~graduate + 0.6 * a * graduate + 1.6 * b + 1.3 * c
        + 0.9 * (age < 23) + 1.0 * (age >= 58)
        + 0.8 * (q01 == "4") + 0.9 * (q05 == "ja") * (age >= 40)
        + 0.35 * np.minimum(prior, 3) - 0.7 * (education == "lang_videregaaende") * (age < 45)
    )
    p = expit(logit)
    ltu = (rng.random(n) < p).astype(float)
    censored = cohort == last_year
    cprs = [f"{d:02d}{m:02d}{y:02d}{s:04d}" for d, m, y, s in zip(rng.integers(1, 29, n), rng.integers(1, 13, n), rng.integers(40, 100, n), rng.integers(0, 10000, n))]
    keys = np.array([person_key(c, KEY) for c in cprs])
    mart = pd.DataFrame(
        {
            "spell_key": [f"{k}-{s:%Y%m%d}" for k, s in zip(keys, start)],
            "person_key": keys,
            "spell_start": start.date,
            "cohort": cohort,
            "jobcenter_code": rng.choice(["101", "751", "461"], n),
            "akasse_code": "AKA",
            "age": age,
            "sex": sex,
            "origin": origin,
            "education_level": education,
            "education_vocational": ~np.isin(education, ["grundskole", "gymnasial"]),
            "is_graduate": graduate,
            "years_since_graduation": np.where(graduate, rng.uniform(0, 1, n), rng.uniform(1, 30, n)).round(1),
            "children_in_custody": rng.poisson(0.7, n),
            "wage_income_last_year": wage,
            "industry": industry,
            "weeks_public_support_last_year": weeks_1y,
            "weeks_public_support_3y": weeks_3y,
            "prior_spells": prior,
            "placement_reason": rng.choice(_levels("placements", "placement_reason"), n, p=[0.7, 0.2, 0.1]),
        }
    )
    for q in [f"q{i:02d}" for i in range(1, 11)]:
        mart[q] = q01 if q == "q01" else q05 if q == "q05" else rng.choice(["a", "b", None], n).astype(object)
    mart["ltu"] = np.where(censored, np.nan, ltu)
    mart["ltu_26w"] = np.where(censored, np.nan, ltu)
    mart["censored"] = censored
    truth = pd.DataFrame({"cpr": cprs, "person_key": keys, "spell_start": pd.to_datetime(start), "true_probability": p})
    return mart, truth
