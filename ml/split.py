"""Out-of-time split by cohort (spell-start year): the model is judged on spells later than it saw.

Censored spells (younger than the label horizon) are never trained or evaluated on; they are
what the scoring asset scores (domain.md, Long-term unemployment label).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class NotEnoughCohortsError(ValueError):
    pass


@dataclass(frozen=True)
class CohortSplit:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame

    @property
    def cohorts(self) -> dict[str, list[int]]:
        return {
            name: sorted(int(c) for c in part["cohort"].unique())
            for name, part in (("train", self.train), ("validation", self.validation), ("test", self.test))
        }


def labelled(df: pd.DataFrame, label: str = "ltu") -> pd.DataFrame:
    """Spells with a label: not censored and the label present."""
    return df[~df["censored"].astype(bool) & df[label].notna()]


def open_spells(df: pd.DataFrame, label: str = "ltu") -> pd.DataFrame:
    """Spells still without a label: the ones the scoring asset scores."""
    return df[df["censored"].astype(bool) | df[label].isna()]


def labelled_cohorts(df: pd.DataFrame, label: str, min_labelled_share: float) -> list[int]:
    """Cohorts in which at least ``min_labelled_share`` of the spells have a label.

    The newest cohort holds a few labelled spells (those started in its first days), which
    would make a tiny, unrepresentative test set; such a cohort is left out until it is
    mostly labelled (its spells are scored meanwhile, or wait for their label).
    """
    share = (~df["censored"].astype(bool) & df[label].notna()).groupby(df["cohort"]).mean()
    return sorted(int(c) for c in share[share >= min_labelled_share].index)


def split_by_cohort(df: pd.DataFrame, label: str = "ltu", min_labelled_share: float = 0.5) -> CohortSplit:
    """Train on the older cohorts, validate on the next, test on the latest labelled one."""
    cohorts = labelled_cohorts(df, label, min_labelled_share)
    known = labelled(df, label)
    known = known[known["cohort"].isin(cohorts)]
    if len(cohorts) < 3:
        raise NotEnoughCohortsError(
            f"out-of-time split needs at least 3 labelled cohorts (>= {min_labelled_share:.0%} of their "
            f"spells labelled), found {cohorts} "
            f"({len(known)} labelled of {len(df)} spells)"
        )
    test_cohort, val_cohort = cohorts[-1], cohorts[-2]
    return CohortSplit(
        train=known[known["cohort"] < val_cohort],
        validation=known[known["cohort"] == val_cohort],
        test=known[known["cohort"] == test_cohort],
    )


def halves(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two random halves of the validation cohort: one stops the boosting, one calibrates.

    Calibrating on the rows that chose the number of trees would reuse them twice and make
    the calibration look better than it is.
    """
    mask = np.random.default_rng(seed).random(len(df)) < 0.5
    return df[mask], df[~mask]
