"""What the system knows about a person around the spell start: income-support history
(R-PILOT-1, R-AK-2), the registered profile assessment (R-PROF-1, R-PILOT-2) and the
preparation questionnaire (R-PROF-1..3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit, ndtr

from ltu_sim import dates
from ltu_sim.config import PERIOD_START

SUPPORT_TYPES = ["kontanthjaelp", "sygedagpenge", "su", "ledighedsydelse", "andet"]
SUPPORT_SHARES = [0.30, 0.20, 0.35, 0.05, 0.10]
REGISTER_START = np.datetime64("2012-01-01", "D")
TOOL_VERSIONS = [("2015-07-01", "2015.1"), ("2018-01-01", "2018.1"), ("2021-01-01", "2021.1")]
STATISTICAL_TOOL_FROM = np.datetime64("2015-07-01", "D")  # assessment exists since 1 July 2015
ASSESSMENT_MAX_DAY = 44  # early in the first 3 months (R-PROF-1); spells last >= 45 days


def support_periods(block: pd.DataFrame, rng: np.random.Generator, share: float) -> pd.DataFrame:
    """Income-support periods before the spell; from sickness benefit ends the day before
    (R-AK-2), others end 1-240 days before so the 49-day rule (R-PILOT-1) goes both ways."""
    n = len(block)
    start = dates.as_days(block["spell_start"].to_numpy())
    sick = block["placement_reason"].to_numpy() == 2
    other = ~sick & (rng.random(n) < share)
    kind = rng.choice(len(SUPPORT_TYPES), size=n, p=SUPPORT_SHARES)
    gap = rng.integers(1, 241, n)
    length = rng.integers(20, 400, n)
    to_date = np.where(sick, start - dates.DAY, start - gap.astype("timedelta64[D]"))
    prev_end = dates.as_days(block["prev_spell_end"].to_numpy())
    # A period between two spells must not overlap the previous spell.
    from_date = to_date - (length - 1).astype("timedelta64[D]")
    from_date = np.where(np.isnat(prev_end), from_date, np.maximum(from_date, prev_end + dates.DAY))
    from_date = np.maximum(from_date, REGISTER_START)
    keep = (sick | other) & (from_date <= to_date)
    return pd.DataFrame({
        "pid": block["pid"].to_numpy()[keep],
        "support_type": np.where(sick, 1, kind)[keep],
        "from_date": from_date[keep],
        "to_date": to_date[keep],
    })


def assess(block: pd.DataFrame, rng, threshold: float | None, rate: float, at_risk_share: float):
    """Registered assessment: a noisy function of the untreated true risk (R-PROF-3/6)."""
    n = len(block)
    start = dates.as_days(block["spell_start"].to_numpy())
    assessed_at = start + rng.integers(0, ASSESSMENT_MAX_DAY + 1, n).astype("timedelta64[D]")
    assessed = ((rng.random(n) < rate) & (assessed_at >= STATISTICAL_TOOL_FROM)
                & (assessed_at <= np.datetime64("2024-12-31", "D")))
    score = logit(block["true_probability_untreated"].to_numpy()) + 0.8 * rng.standard_normal(n)
    if threshold is None:
        threshold = float(np.quantile(score, 1 - at_risk_share))
    block["assessed"] = assessed
    block["assessed_at"] = np.where(assessed, assessed_at, np.datetime64("NaT"))
    block["assessed_at_risk"] = assessed & (score > threshold)
    return threshold


def tool_version(assessed_at: np.ndarray) -> np.ndarray:
    out = np.full(len(assessed_at), TOOL_VERSIONS[0][1], dtype=object)
    for since, version in TOOL_VERSIONS[1:]:
        out[assessed_at >= np.datetime64(since, "D")] = version
    return out


# Questionnaire: number of answer options per question; which ones reveal the latent
# challenge (Q03 expected time to job, Q05 health/other challenges, Q09 own chances).
QUESTION_OPTIONS = {"Q01": 8, "Q02": 6, "Q03": 4, "Q04": 4, "Q05": 3, "Q06": 3, "Q07": 3,
                    "Q08": 2, "Q09": 5, "Q10": 3}
INFORMATIVE = {"Q03": 0.7, "Q05": 0.5, "Q09": 0.7}  # noise sd around the latent
FUND_QUESTIONS = {"AK01": 4, "AK02": 3, "AK03": 5}


def _cuts(options: int) -> np.ndarray:
    return np.linspace(-1.2, 1.2, options - 1)


def _ordinal(latent: np.ndarray, noise_sd: float, options: int, rng) -> np.ndarray:
    signal = latent + noise_sd * rng.standard_normal(len(latent))
    return 1 + np.searchsorted(_cuts(options), signal)


def informative_answers(answers: pd.DataFrame, n_spells: int) -> np.ndarray:
    """``(n_spells, len(INFORMATIVE))`` answer codes of the latent-revealing questions, 0 = none."""
    out = np.zeros((n_spells, len(INFORMATIVE)), dtype=np.int8)
    codes = answers["question_code"].astype(str).to_numpy()
    for j, code in enumerate(INFORMATIVE):
        rows = codes == code
        out[answers["spell"].to_numpy()[rows], j] = answers["answer_code"].to_numpy()[rows]
    return out


def answer_likelihoods(grid: np.ndarray) -> list[np.ndarray]:
    """Per informative question, ``P(answer | latent = grid)`` as rows 1..options (row 0: no
    answer, likelihood 1): the exact likelihood of the draw in ``_ordinal``."""
    tables = []
    for code, noise_sd in INFORMATIVE.items():
        edges = np.r_[-np.inf, _cuts(QUESTION_OPTIONS[code]), np.inf]
        below = ndtr((edges[:, None] - grid[None, :]) / noise_sd)
        tables.append(np.vstack([np.ones(len(grid)), np.diff(below, axis=0)]))
    return tables


def questionnaire(spells: pd.DataFrame, first_conversation: np.ndarray, config, rng) -> pd.DataFrame:
    """Answers of ~60 % of spells before their first conversation (R-PROF-1).

    All answers of a spell share one date between max(start - 30 days, previous spell end + 1,
    first DFDG day) and the first conversation (start + 30 days if none).
    """
    n = len(spells)
    start = dates.as_days(spells["spell_start"].to_numpy())
    answers = rng.random(n) < config.questionnaire_rate
    lo = start - np.timedelta64(30, "D")
    prev_end = dates.as_days(spells["prev_spell_end"].to_numpy())
    lo = np.where(np.isnat(prev_end), lo, np.maximum(lo, prev_end + dates.DAY))
    lo = np.maximum(lo, np.datetime64(PERIOD_START, "D"))
    hi = np.where(np.isnat(first_conversation), start + np.timedelta64(30, "D"), first_conversation)
    hi = np.minimum(hi, np.datetime64("2024-12-31", "D"))
    span = np.maximum((hi - lo).astype(np.int64), 0)
    answered_at = lo + (rng.random(n) * (span + 1)).astype(np.int64).astype("timedelta64[D]")
    idx = np.flatnonzero(answers)
    latent = spells["latent"].to_numpy()[idx]
    frames = []
    for code, options in QUESTION_OPTIONS.items():
        if code in INFORMATIVE:
            value = _ordinal(latent, INFORMATIVE[code], options, rng)
        elif code == "Q07":  # Danish language: follows origin, not the outcome's latent
            value = np.where(spells["origin"].to_numpy()[idx] == 0, 1, rng.integers(1, 4, len(idx)))
        elif code == "Q08":  # care obligations: follows children in custody
            value = np.where(spells["children_in_custody"].to_numpy()[idx] > 0, 2, 1)
        else:
            value = rng.integers(1, options + 1, len(idx))
        frames.append(pd.DataFrame({"spell": idx.astype(np.int32), "question_code": code, "answer_code": value}))
    # R-PROF-3: the funds' own questions are pure noise with respect to the outcome.
    fund_idx = idx[np.isin(spells["akasse_code"].to_numpy()[idx], config.fund_question_funds)
                   & (rng.random(len(idx)) < 0.8)]
    for code, options in FUND_QUESTIONS.items():
        frames.append(pd.DataFrame({"spell": fund_idx.astype(np.int32), "question_code": code,
                                    "answer_code": rng.integers(1, options + 1, len(fund_idx))}))
    out = pd.concat(frames, ignore_index=True)
    out["question_code"] = pd.Categorical(out["question_code"])
    out["answer_code"] = out["answer_code"].astype(np.int8)  # written as text by the writer
    out["answered_at"] = answered_at[out["spell"].to_numpy()]
    return out
