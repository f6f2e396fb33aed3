"""The risk model in use: who it flags, whether its scores drift, whether they are calibrated.

Input is one row per scored spell (``scored_spells``): ``month`` (first day of the spell-start
month, when the score is made), ``jobcenter_code``, ``probability``, ``at_risk``, the label
``ltu`` with ``censored``, ``cohort`` (start year), and the groups ``sex``, ``origin``, ``age``.
Every output is an aggregate in the indicator marts' shape (month/cohort × level × unit) so
suppression.py protects it like the marts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_platform.publish.suppression import TableSpec

SCORE_BINS = 10
PSI_FLOOR = 1e-4  # an empty bin would make the PSI infinite; floor the share instead

AT_RISK_SPEC = TableSpec(
    dimensions=("month", "level", "unit_code"),
    counts=("n_scored", "n_at_risk"),
    ratios={"at_risk_share": ("n_at_risk", "n_scored")},
)
DRIFT_SPEC = TableSpec(
    dimensions=("month", "reference_month"),
    blocks=(),
    level_column=None,
    counts=("n_scored",),
    derived={"psi": ("n_scored",)},
)
_GROUP_SPEC = dict(
    dimensions=("cohort", "level", "unit_code"),
    blocks=("cohort",),
    counts=("n_spells", "n_ltu"),
    sums={"expected_ltu": "n_spells"},
    ratios={
        "observed_ltu_rate": ("n_ltu", "n_spells"),
        "mean_predicted": ("expected_ltu", "n_spells"),
    },
)
CALIBRATION_SPEC = TableSpec(**_GROUP_SPEC)
FAIRNESS_SPEC = TableSpec(
    **{
        **_GROUP_SPEC,
        "counts": ("n_spells", "n_ltu", "n_at_risk", "n_at_risk_ltu"),
        "ratios": {
            **_GROUP_SPEC["ratios"],
            "selection_rate": ("n_at_risk", "n_spells"),
            "true_positive_rate": ("n_at_risk_ltu", "n_ltu"),
        },
    }
)


def at_risk_share(scored: pd.DataFrame) -> pd.DataFrame:
    """Share flagged at risk per jobcentre and month, and nationally."""
    levels = [("jobcenter", scored["jobcenter_code"].astype(str)),
              ("national", pd.Series("DK", index=scored.index))]
    parts = []
    for level, unit in levels:
        g = scored.assign(unit_code=unit).groupby(["month", "unit_code"])
        agg = g.agg(n_scored=("probability", "size"), n_at_risk=("at_risk", "sum")).reset_index()
        parts.append(agg.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    out["at_risk_share"] = out["n_at_risk"] / out["n_scored"]
    return out[list(AT_RISK_SPEC.columns)].sort_values(["month", "level", "unit_code"])


def psi(reference: np.ndarray, current: np.ndarray, bins: int = SCORE_BINS) -> float:
    """Population stability index of ``current`` against ``reference`` on the reference's
    deciles (the usual reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large)."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    ref = np.histogram(reference, edges)[0] / len(reference)
    cur = np.histogram(current, edges)[0] / len(current)
    ref, cur = np.maximum(ref, PSI_FLOOR), np.maximum(cur, PSI_FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def score_drift(scored: pd.DataFrame) -> pd.DataFrame:
    """PSI of each month's scores against the month before."""
    months = sorted(scored["month"].unique())
    rows = []
    for prev, cur in zip(months, months[1:]):
        a = scored.loc[scored["month"] == prev, "probability"].to_numpy()
        b = scored.loc[scored["month"] == cur, "probability"].to_numpy()
        rows.append({"month": cur, "reference_month": prev, "n_scored": len(b), "psi": psi(a, b)})
    return pd.DataFrame(rows, columns=list(DRIFT_SPEC.columns))


def newest_labelled_cohort(scored: pd.DataFrame) -> int | None:
    labelled = scored[~scored["censored"].astype(bool) & scored["ltu"].notna()]
    return int(labelled["cohort"].max()) if len(labelled) else None


def _labelled(scored: pd.DataFrame, cohort: int) -> pd.DataFrame:
    df = scored[(scored["cohort"] == cohort) & ~scored["censored"].astype(bool)]
    return df[df["ltu"].notna()].assign(ltu=lambda d: d["ltu"].astype(int))


def _group_rows(df: pd.DataFrame, level: str, unit: pd.Series, fairness: bool) -> pd.DataFrame:
    g = df.assign(unit_code=unit.astype(str), at_risk_ltu=df["at_risk"].astype(bool) & (df["ltu"] == 1))
    named = dict(
        n_spells=("ltu", "size"), n_ltu=("ltu", "sum"), expected_ltu=("probability", "sum")
    )
    if fairness:
        named |= dict(n_at_risk=("at_risk", "sum"), n_at_risk_ltu=("at_risk_ltu", "sum"))
    return g.groupby("unit_code").agg(**named).reset_index().assign(level=level)


def _finish(rows: pd.DataFrame, cohort: int, spec: TableSpec) -> pd.DataFrame:
    rows = rows.assign(cohort=cohort)
    for col, (num, den) in spec.ratios.items():
        rows[col] = rows[num] / rows[den].where(rows[den] > 0)
    return rows[list(spec.columns)].reset_index(drop=True)


def calibration(scored: pd.DataFrame, cohort: int) -> pd.DataFrame:
    """Observed vs predicted long-term unemployment by score decile in one labelled cohort."""
    df = _labelled(scored, cohort)
    decile = pd.qcut(df["probability"].rank(method="first"), SCORE_BINS, labels=False) + 1
    rows = pd.concat(
        [
            _group_rows(df, "score_decile", decile.map("{:02d}".format), fairness=False),
            _group_rows(df, "national", pd.Series("DK", index=df.index), fairness=False),
        ],
        ignore_index=True,
    )
    return _finish(rows, cohort, CALIBRATION_SPEC)


def age_group(age: pd.Series) -> pd.Series:
    return pd.cut(age, [-1, 24, 29, 39, 49, 200], labels=["<25", "25-29", "30-39", "40-49", "50+"])


def fairness(scored: pd.DataFrame, cohort: int) -> pd.DataFrame:
    """Selection rate, observed and predicted rate, true positive rate by sex, origin, age."""
    df = _labelled(scored, cohort)
    parts = [_group_rows(df, "national", pd.Series("DK", index=df.index), fairness=True)]
    for attribute, values in (("sex", df["sex"]), ("origin", df["origin"]),
                              ("age_group", age_group(df["age"]))):
        parts.append(_group_rows(df, attribute, values.astype(str), fairness=True))
    return _finish(pd.concat(parts, ignore_index=True), cohort, FAIRNESS_SPEC)


def expected_calibration_error(calib: pd.DataFrame) -> float:
    """Weighted mean |observed - predicted| over the deciles (on unsuppressed numbers)."""
    d = calib[calib["level"] == "score_decile"]
    gap = (d["n_ltu"] - d["expected_ltu"]).abs()
    return float(gap.sum() / d["n_spells"].sum()) if len(d) else float("nan")
