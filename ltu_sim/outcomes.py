"""The outcome model (data-generating process) of long-term unemployment.

The true probability is a known, non-linear function of what is known at the spell start:
the register as of the start, the placement, and a latent "challenge" ``z`` that only the
questionnaire reveals (noisily). It contains the three risk groups of R-PROF-7, thresholds
and interactions. The intercept is calibrated so the mean probability of first spells equals
``SimulationConfig.target_ltu_rate``.

Two truths follow: ``true_probability`` given everything, the latent included, and
``true_probability_observable``, the probability given what the platform can observe (the
register, the placement and the questionnaire answers, or none): the latent integrated out
over its posterior given the answers. The second is the Bayes-optimal score of any model of
the feature mart, the oracle the risk model is measured against.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit
from scipy.stats import norm

from ltu_sim import profiling

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


# The latent's support for numerical integration: N(0, 1) mass beyond +-6 is ~1e-9.
LATENT_GRID = np.linspace(-6.0, 6.0, 241)
_CHUNK = 50_000  # spells per block: the (block, grid) matrices stay ~100 MB each


def observable_probability(true_probability: np.ndarray, latent: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """E[p | observables]: p with the latent replaced by its posterior given the answers.

    ``answers`` is ``profiling.informative_answers`` (0 = not answered). The treatment shift of
    pilot participants stays in, as in ``true_probability``.
    """
    known_logit = logit(true_probability) - LATENT_EFFECT * latent
    tables = profiling.answer_likelihoods(LATENT_GRID)
    prior = norm.pdf(LATENT_GRID)
    out = np.empty(len(true_probability))
    for lo in range(0, len(out), _CHUNK):
        block = slice(lo, lo + _CHUNK)
        weight = np.broadcast_to(prior, (len(out[block]), len(prior))).copy()
        for j, table in enumerate(tables):
            weight *= table[answers[block, j]]
        p = expit(known_logit[block, None] + LATENT_EFFECT * LATENT_GRID[None, :])
        out[block] = (weight * p).sum(axis=1) / weight.sum(axis=1)
    return out
