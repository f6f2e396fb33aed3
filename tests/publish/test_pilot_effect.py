"""The pilot evaluation's interval covers the true effect where participation is confounded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltu_platform.publish.evaluation import pilot

from .warehouse_fixture import World


def _frames(world: World) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = world.spells
    return s, s.drop(columns=["ltu", "censored"])


def test_interval_covers_the_true_att_and_beats_the_naive_comparison(world: World) -> None:
    courses, features = _frames(world)
    effect = pilot.estimate_att(pilot.analysis_frame(courses, features), replicates=200)
    # the truth: mean over participants of P(ltu | treated) - P(ltu | untreated)
    assert effect.ci_low <= world.true_att <= effect.ci_high
    assert effect.ci_high - effect.ci_low < 0.15  # informative, not a trivially wide interval
    # participation is confounded (younger, Danish origin, little benefit history join more):
    # the naive difference lies outside the interval, the adjusted one does not
    assert not effect.ci_low <= effect.naive_difference <= effect.ci_high


def test_randomised_participation_gives_the_difference_in_means() -> None:
    """Hand-computed boundary case: with participation independent of everything, the
    weights are constant and the ATT is the plain difference of LTU rates."""
    n = 400
    df = pd.DataFrame({
        "treated": np.r_[np.ones(n // 2, int), np.zeros(n // 2, int)],
        "ltu": np.r_[np.tile([1, 0, 0, 0], n // 8), np.tile([1, 1, 0, 0], n // 8)],
        "age": 40, "sex": "M", "origin": "dansk",
    })
    effect = pilot.estimate_att(df, replicates=50)
    assert effect.estimate == pytest.approx(0.25 - 0.5, abs=1e-6)
    assert effect.ci_low <= -0.25 <= effect.ci_high


def test_too_few_participants_is_a_clear_error() -> None:
    df = pd.DataFrame({"treated": [1] * 5 + [0] * 100, "ltu": [0, 1] * 52 + [0], "age": 30})
    with pytest.raises(pilot.PilotDesignError, match="at least 20"):
        pilot.estimate_att(df)
