"""The model by group: who gets flagged, whom it misses, and whether its probabilities hold.

Groups: origin, sex, age band (R-AK-8's under 25, R-PILOT-2's 50+), graduates (R-PROF-7 A)
and education level. The selection-rate ratio is a group's flag rate over the highest flag
rate in its attribute (fairlearn's demographic-parity ratio, per group). Groups differ in
their true risk, so a ratio below 1 is expected; the gate only refuses a model under which
some group is almost never flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_platform.rules import RULES

GROUP_ATTRIBUTES = ("origin", "sex", "age_band", "is_graduate", "education_level")


def age_band(age: pd.Series) -> pd.Series:
    """Bands at the rule ages: under 25 (R-AK-8), 25–49, 50+ (R-PILOT-2, age ≥ 50)."""
    young, senior = RULES.young_age_limit, RULES.senior_age
    bands = np.select([age < young, age >= senior], [f"<{young}", f"{senior}+"], f"{young}-{senior - 1}")
    return pd.Series(np.where(age.isna(), "ukendt", bands), index=age.index)


def group_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The grouping attributes of each spell, as text."""
    return pd.DataFrame(
        {
            "origin": df["origin"].astype("string").fillna("ukendt"),
            "sex": df["sex"].astype("string").fillna("ukendt"),
            "age_band": age_band(df["age"]),
            "is_graduate": df["is_graduate"].map({True: "dimittend", False: "ikke dimittend"}).fillna("ukendt"),
            "education_level": df["education_level"].astype("string").fillna("ukendt"),
        },
        index=df.index,
    )


def group_metrics(df: pd.DataFrame, y: np.ndarray, p: np.ndarray, flag: np.ndarray) -> pd.DataFrame:
    """One row per attribute × group: size, prevalence, flag rate and its ratio, FPR, FNR, calibration."""
    groups = group_frame(df)
    frame = pd.DataFrame({"y": np.asarray(y, int), "p": np.asarray(p, float), "flag": np.asarray(flag, bool)}, index=df.index)
    rows = []
    for attr in GROUP_ATTRIBUTES:
        for value, g in frame.groupby(groups[attr].to_numpy()):
            neg, pos = g[g["y"] == 0], g[g["y"] == 1]
            rows.append(
                {
                    "attribute": attr,
                    "group": str(value),
                    "n": len(g),
                    "prevalence": g["y"].mean(),
                    "mean_probability": g["p"].mean(),
                    "calibration_gap": g["p"].mean() - g["y"].mean(),
                    "selection_rate": g["flag"].mean(),
                    "fpr": neg["flag"].mean() if len(neg) else np.nan,
                    "fnr": (~pos["flag"]).mean() if len(pos) else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    top = out.groupby("attribute")["selection_rate"].transform("max")
    out["selection_rate_ratio"] = np.where(top > 0, out["selection_rate"] / top, np.nan)
    return out


def lowest_selection_rate_ratio(table: pd.DataFrame, min_group_size: int) -> tuple[float, str]:
    """The lowest ratio over groups big enough to judge, and which group has it."""
    big = table[table["n"] >= min_group_size].dropna(subset=["selection_rate_ratio"])
    if big.empty:
        return float("nan"), ""
    row = big.loc[big["selection_rate_ratio"].idxmin()]
    return float(row["selection_rate_ratio"]), f"{row['attribute']}={row['group']}"


def markdown_table(table: pd.DataFrame) -> str:
    cols = ["attribute", "group", "n", "prevalence", "selection_rate", "selection_rate_ratio", "fpr", "fnr", "calibration_gap"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in table[cols].iterrows():
        cells = [f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
