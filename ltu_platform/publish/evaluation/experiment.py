"""Evaluation of the a-kasse experiment "Mere ansvar til a-kasser" (seed 002, R-AK-*).

Design: spells started in the experiment period (R-AK-1) fall in four cells of fund × place:
the experiment funds in the experiment municipalities (``experiment``, intention to treat),
the same funds elsewhere (``same_funds_other_municipalities``), other funds in the same
municipalities (``other_funds_same_municipalities``) and neither
(``other_funds_other_municipalities``). The difference-in-differences of the four removes
what is specific to the funds and what is specific to the big-city municipalities.

Outcomes per spell (from ``fct_contact_courses``): the CV conversation within two weeks
(R-AK-5), contact-course conversations held by the a-kasse in the first 3 months (R-AK-9),
the 1st joint conversation in its window (timeliness, R-JOINT-1) and the days to the transfer
at 410 hours (R-AK-6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_platform.publish.suppression import TableSpec
from ltu_platform.rules import RULES

GROUPS = (
    "experiment",
    "same_funds_other_municipalities",
    "other_funds_same_municipalities",
    "other_funds_other_municipalities",
)
Z95 = 1.959963984540054

# outcome -> (numerator column in the group table, denominator column, spell-level column)
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "cv_within_14_days_share": ("n_cv_within_14_days", "n_spells", "cv_within_14_days"),
    "contact_conversations_per_member": (
        "contact_conversations_3m", "n_spells", "n_contact_conversations_3m"
    ),
    "joint_1_in_window_share": ("n_joint_1_in_window", "n_spells", "joint_1_in_window"),
    "mean_days_to_transfer_410": ("days_to_transfer_sum", "n_transferred_410", "days_to_transfer"),
}

GROUP_SPEC = TableSpec(
    dimensions=("group", "level", "unit_code"),
    blocks=("group",),
    counts=("n_spells", "n_cv_within_14_days", "n_joint_1_in_window", "n_transferred_410"),
    sums={"contact_conversations_3m": "n_spells", "days_to_transfer_sum": "n_transferred_410"},
    ratios={name: (num, den) for name, (num, den, _) in OUTCOMES.items()},
)
EFFECT_COLUMNS = (
    "outcome", "comparison", "estimate", "ci_low", "ci_high", "n_experiment", "n_comparison"
)


def experiment_spells(courses: pd.DataFrame, experiment_funds: set[str]) -> pd.DataFrame:
    """Spells started in the experiment period with their design cell and outcomes."""
    start = pd.Timestamp(RULES.experiment_start)
    end = pd.Timestamp(RULES.experiment_end)
    df = courses[courses["spell_start"].between(start, end)].copy()
    in_fund = df["akasse_code"].isin(experiment_funds)
    in_place = df["municipality_code"].astype(int).isin(RULES.experiment_municipalities)
    df["group"] = np.select(
        [in_fund & in_place, in_fund, in_place], GROUPS[:3], GROUPS[3]
    )
    df["cv_within_14_days"] = df["cv_within_14_days"].fillna(False).astype(bool)
    df["joint_1_in_window"] = df["joint_1_in_window"].fillna(False).astype(bool)
    df["n_contact_conversations_3m"] = df["n_contact_conversations_3m"].fillna(0)
    transfer = pd.to_datetime(df["transfer_410_date"])
    df["days_to_transfer"] = (transfer - df["spell_start"]).dt.days
    return df


def group_table(spells: pd.DataFrame) -> pd.DataFrame:
    """Outcomes per design cell, nationally and per fund (published, suppressed)."""
    parts = []
    for level, unit in (("national", pd.Series("DK", index=spells.index)),
                        ("akasse", spells["akasse_code"].astype(str))):
        g = spells.assign(unit_code=unit).groupby(["group", "unit_code"])
        parts.append(
            g.agg(
                n_spells=("group", "size"),
                n_cv_within_14_days=("cv_within_14_days", "sum"),
                n_joint_1_in_window=("joint_1_in_window", "sum"),
                n_transferred_410=("days_to_transfer", "count"),
                contact_conversations_3m=("n_contact_conversations_3m", "sum"),
                days_to_transfer_sum=("days_to_transfer", "sum"),
            ).reset_index().assign(level=level)
        )
    out = pd.concat(parts, ignore_index=True)
    for name, (num, den, _) in OUTCOMES.items():
        out[name] = out[num] / out[den].where(out[den] > 0)
    return out[list(GROUP_SPEC.columns)].sort_values(["group", "level", "unit_code"])


def _mean_and_var(values: pd.Series) -> tuple[float, float, int]:
    v = values.dropna().astype(float)
    n = len(v)
    return (float(v.mean()) if n else np.nan, float(v.var(ddof=1) / n) if n > 1 else np.nan, n)


def effects(spells: pd.DataFrame, min_persons: int | None = None) -> pd.DataFrame:
    """Experiment minus each comparison, and the difference-in-differences, with 95 % CIs.

    Normal approximation on group means (independent groups, variances add). An estimate
    resting on a group below the small-cell limit is left out (NULL).
    """
    limit = RULES.min_cell_persons if min_persons is None else min_persons
    rows = []
    for outcome, (_, _, column) in OUTCOMES.items():
        stats = {g: _mean_and_var(spells.loc[spells["group"] == g, column]) for g in GROUPS}
        exp = stats["experiment"]
        for comparison in GROUPS[1:]:
            comp = stats[comparison]
            rows.append(_row(outcome, comparison, exp[0] - comp[0], exp[1] + comp[1],
                             exp[2], comp[2], limit))
        did = (stats[GROUPS[0]][0] - stats[GROUPS[1]][0]) - (
            stats[GROUPS[2]][0] - stats[GROUPS[3]][0]
        )
        var = sum(stats[g][1] for g in GROUPS)
        rows.append(_row(outcome, "difference_in_differences", did, var, exp[2],
                         min(stats[g][2] for g in GROUPS[1:]), limit))
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def _row(outcome: str, comparison: str, est: float, var: float, n_exp: int, n_comp: int,
         limit: int) -> dict:
    if min(n_exp, n_comp) < limit or not np.isfinite(est):
        est, var = np.nan, np.nan
    half = Z95 * np.sqrt(var) if np.isfinite(var) else np.nan
    return {
        "outcome": outcome, "comparison": comparison, "estimate": est,
        "ci_low": est - half, "ci_high": est + half,
        "n_experiment": n_exp if n_exp >= limit else None,
        "n_comparison": n_comp if n_comp >= limit else None,
    }
