"""The outcome model (data-generating process) of long-term unemployment.

The true probability is a known, non-linear function of what is known at the spell start:
the register as of the start, the placement, and a latent "challenge" ``z`` that only the
questionnaire reveals (noisily). It contains the three risk groups of R-PROF-7, thresholds
and interactions. The intercept is calibrated so the mean probability of first spells equals
``SimulationConfig.target_ltu_rate``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

# R-PROF-7: industries of group B (late working life) and group C (younger/middle-aged).
GROUP_B_INDUSTRIES = ("C", "F", "H")
GROUP_C_INDUSTRIES = ("G", "I", "N", "S")
EDUCATION_EFFECT = np.array([0.55, 0.25, 0.0, -0.1, -0.3, -0.15])
REASON_EFFECT = np.array([0.0, 0.3, 0.5])  # ny, genoptjent, fra_sygedagpenge
GROUP_EFFECT = {"A": 0.9, "B": 1.0, "C": 0.8}
LATENT_EFFECT = 0.9


def risk_group(f: dict[str, np.ndarray]) -> np.ndarray:
    """R-PROF-7 groups A, B, C (first matching, in that order) or None."""
    industry = f["industry"].astype(str)
    a = f["wage_income_last_year"] == 0
    b = (f["age"] >= 55) & np.isin(industry, GROUP_B_INDUSTRIES) & (
        (f["weeks_public_support_3y"] >= 52) | (f["weeks_public_support_3y"] == 0)
    )
    c = (f["age"] >= 25) & (f["age"] < 50) & np.isin(industry, GROUP_C_INDUSTRIES) & (
        ((f["origin"] == 0) & (f["weeks_public_support_3y"] >= 40)) | (f["origin"] != 0)
    )
    return np.select([a, b, c], ["A", "B", "C"], default=None).astype(object)


def linear_predictor(f: dict[str, np.ndarray], group: np.ndarray) -> np.ndarray:
    """Log-odds without the intercept (R-PROF-2 inputs, R-PROF-7 groups)."""
    age = f["age"].astype(float)
    x = np.zeros(len(age))
    for g, effect in GROUP_EFFECT.items():
        x += effect * (group == g)
    x += 0.06 * np.maximum(age - 45, 0) + 0.4 * (age < 25)
    x += EDUCATION_EFFECT[f["education_level"]]
    x += 0.5 * (f["weeks_public_support_3y"] > 52) + 0.012 * np.minimum(f["weeks_public_support_last_year"], 52)
    x += np.array([0.0, 0.1, 0.4])[f["origin"]]
    # Graduates of long academic programmes struggle more; high earners find work faster.
    x += 0.6 * (f["is_graduate"] & (f["education_level"] == 5))
    x -= 0.4 * (f["wage_income_last_year"] > 400_000)
    x += REASON_EFFECT[f["placement_reason"]]
    x += 0.3 * np.minimum(f["prior_spells"], 3)
    x += 0.25 * ((f["sex"] == "K") & (f["children_in_custody"] > 0) & (age < 40))
    x += LATENT_EFFECT * f["latent"]
    return x


def calibrate_intercept(x: np.ndarray, target_rate: float) -> float:
    return float(brentq(lambda b: expit(b + x).mean() - target_rate, -15.0, 10.0))
