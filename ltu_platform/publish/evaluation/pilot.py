"""Effect of the pilot against long-term unemployment on its participants (seed 001).

Estimand: the average effect of participation on long-term unemployment (``ltu``) among
participants in the target group (ATT): newly unemployed assessed at risk (R-PILOT-1/2,
``pilot_target`` in ``fct_contact_courses``), labelled spells only.

Design: inverse probability weighting within the jobcentres that ran a project. A logistic propensity model of participation on what
was known at the spell start (the register features of ``fct_risk_features``, the spell's
month) reweights the non-participating target persons to look like the participants
(weights p / (1 - p)); the ATT is the participants' LTU rate minus the reweighted rate of the
others. The 95 % confidence interval is a percentile bootstrap that refits the propensity
model in every replicate (so the interval carries its uncertainty too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = (
    "age", "wage_income_last_year", "weeks_public_support_last_year",
    "weeks_public_support_3y", "prior_spells", "children_in_custody", "start_month_index",
)
CATEGORICAL = ("sex", "origin", "education_level", "is_graduate", "placement_reason")
TRIM = (0.01, 0.99)  # propensities are clipped so no single control dominates the weights
RESULT_COLUMNS = (
    "estimand", "method", "estimate", "ci_low", "ci_high", "confidence", "n_participants",
    "n_comparison", "participant_ltu_rate", "weighted_comparison_ltu_rate",
    "naive_difference", "bootstrap_replicates",
)


@dataclass(frozen=True)
class PilotEffect:
    estimand: str
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    n_participants: int
    n_comparison: int
    participant_ltu_rate: float
    weighted_comparison_ltu_rate: float
    naive_difference: float
    bootstrap_replicates: int

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(self)], columns=list(RESULT_COLUMNS))


class PilotDesignError(ValueError):
    pass


def analysis_frame(courses: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Labelled target-group spells with treatment, outcome and start-of-spell covariates."""
    target = courses[courses["pilot_target"].fillna(False).astype(bool)
                     & ~courses["censored"].fillna(True).astype(bool)
                     & courses["ltu"].notna()]
    keep = [c for c in (*NUMERIC, *CATEGORICAL) if c in features.columns]
    # Comparison persons come from the jobcentres that ran a project (those with participants):
    # elsewhere nobody could join, and the jobcentre itself may shape the outcome.
    participants = target["pilot_participant"].fillna(False).astype(bool)
    pilot_jobcentres = set(target.loc[participants, "jobcenter_code"].astype(str))
    target = target[target["jobcenter_code"].astype(str).isin(pilot_jobcentres)]
    df = target[["spell_key", "spell_start", "pilot_participant", "ltu"]].merge(
        features[["spell_key", *keep]], on="spell_key", how="left", validate="one_to_one"
    )
    start = pd.to_datetime(df["spell_start"])
    df["start_month_index"] = (start.dt.year - start.dt.year.min()) * 12 + start.dt.month
    df["treated"] = df["pilot_participant"].fillna(False).astype(bool).astype(int)
    df["ltu"] = df["ltu"].astype(int)
    return df.drop(columns=["spell_key", "spell_start", "pilot_participant"])


def design_matrix(df: pd.DataFrame) -> np.ndarray:
    """Standardised numeric and one-hot categorical covariates, encoded once for all fits."""
    numeric = [c for c in NUMERIC if c in df.columns]
    categorical = [c for c in CATEGORICAL if c in df.columns]
    x = df[numeric + categorical].copy()
    for c in numeric:
        x[c] = pd.to_numeric(x[c], errors="coerce").astype(float).fillna(0.0)
    for c in categorical:
        x[c] = x[c].astype(str)
    # banded versions let the propensity bend where participation rules typically cut
    if "age" in x:
        x["age_band"] = pd.cut(x["age"], [-1, 24, 29, 39, 49, 200]).astype(str)
        categorical.append("age_band")
    if "weeks_public_support_3y" in x:
        x["support_band"] = pd.cut(x["weeks_public_support_3y"], [-1, 0, 26, 52, 1e9]).astype(str)
        categorical.append("support_band")
    pre = ColumnTransformer(
        [("num", StandardScaler(), numeric),
         ("cat", OneHotEncoder(drop="first", sparse_output=False), categorical)]
    )
    return pre.fit_transform(x)


def _att(x: np.ndarray, t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    model = LogisticRegression(solver="newton-cholesky", C=10.0, max_iter=100)
    p = np.clip(model.fit(x, t).predict_proba(x)[:, 1], *TRIM)
    w = p[t == 0] / (1 - p[t == 0])
    treated_rate = float(y[t == 1].mean())
    control_rate = float(np.sum(w * y[t == 0]) / np.sum(w))
    return treated_rate - control_rate, treated_rate, control_rate


def estimate_att(
    df: pd.DataFrame, replicates: int = 200, confidence: float = 0.95, seed: int = 20150701
) -> PilotEffect:
    """IPW estimate of the ATT with a stratified percentile-bootstrap interval."""
    n_t, n_c = int(df["treated"].sum()), int((1 - df["treated"]).sum())
    if min(n_t, n_c) < 20:
        raise PilotDesignError(
            f"pilot evaluation needs at least 20 labelled participants and comparison persons "
            f"in the target group (R-PILOT-2); found {n_t} and {n_c}"
        )
    x, t, y = design_matrix(df), df["treated"].to_numpy(), df["ltu"].to_numpy()
    est, treated_rate, control_rate = _att(x, t, y)
    rng = np.random.default_rng(seed)
    treated_idx, control_idx = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    draws = []
    for _ in range(replicates):
        idx = np.concatenate([rng.choice(treated_idx, n_t), rng.choice(control_idx, n_c)])
        draws.append(_att(x[idx], t[idx], y[idx])[0])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    naive = treated_rate - float(df.loc[df["treated"] == 0, "ltu"].mean())
    return PilotEffect(
        estimand="ATT on P(long-term unemployment), at-risk newly unemployed (R-PILOT-1/2)",
        method="inverse probability weighting (logistic propensity), percentile bootstrap",
        estimate=est, ci_low=float(low), ci_high=float(high), confidence=confidence,
        n_participants=n_t, n_comparison=n_c, participant_ltu_rate=treated_rate,
        weighted_comparison_ltu_rate=control_rate, naive_difference=naive,
        bootstrap_replicates=replicates,
    )
