"""Small-cell suppression holds against an attacker who solves the published equations.

The attacker knows every published number, every additive relation (national = sum of the
units at each level, row total = sum of parts, the same count in two tables) and that counts
are non-negative; with linear programming it bounds each withheld cell. A withheld cell is
recovered when its lower and upper bound meet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltu_platform.publish.suppression import FLAG_SUFFIX, Link, TableSpec, suppress

from .attacker import attacker_bounds
from ltu_platform.publish.tables import indicator_specs
from ltu_platform.rules import RULES

SELFBOOKING = indicator_specs()["fct_selfbooking_share"]
PARTS = ("n_selfbooked", "n_summoned")


def _conversations(seed: int, n: int) -> pd.DataFrame:
    """Person-level events; the aggregates below are exact sums of them."""
    rng = np.random.default_rng(seed)
    jobcentres = ["101", "147", "151", "153", "157", "159", "161"]
    funds = ["AKA", "ASE", "CA", "3F"]
    return pd.DataFrame(
        {
            "month": rng.choice(pd.to_datetime(["2020-01-01", "2020-02-01"]), n),
            # skewed so some units are tiny
            "jobcenter": rng.choice(jobcentres, n, p=[0.55, 0.2, 0.1, 0.06, 0.04, 0.03, 0.02]),
            "akasse": rng.choice(funds, n, p=[0.6, 0.3, 0.07, 0.03]),
            "selfbooked": rng.random(n) < 0.85,
        }
    )


def _selfbooking_mart(events: pd.DataFrame) -> pd.DataFrame:
    """The mart's shape (docs/architecture.md, indicator 1), aggregated by hand."""
    frames = []
    for level, unit in (("jobcenter", events["jobcenter"]), ("akasse", events["akasse"]),
                        ("national", pd.Series("DK", index=events.index))):
        g = events.assign(unit_code=unit).groupby(["month", "unit_code"])["selfbooked"]
        agg = g.agg(n_selfbooked="sum", n_conversations="size").reset_index()
        agg["level"] = level
        frames.append(agg)
    mart = pd.concat(frames, ignore_index=True)
    mart["n_summoned"] = mart["n_conversations"] - mart["n_selfbooked"]
    mart["selfbooking_share_pct"] = 100.0 * mart["n_selfbooked"] / mart["n_conversations"]
    mart["traffic_light"] = np.select(
        [mart["selfbooking_share_pct"] > 75.0, mart["selfbooking_share_pct"] >= 60.0],
        ["green", "yellow"],
        "red",
    )
    return mart


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_withheld_counts_cannot_be_recovered_from_totals(seed: int) -> None:
    mart = _selfbooking_mart(_conversations(seed, 160))
    published = suppress({"s": mart}, {"s": SELFBOOKING}).tables["s"]

    small = mart[[*PARTS, "n_conversations"]].isin(range(1, RULES.min_cell_persons)).any(axis=None)
    assert small, "the fixture must contain small cells, or the test proves nothing"
    bounds = attacker_bounds({"s": published}, {"s": mart}, {"s": SELFBOOKING}, [])
    assert bounds
    for table, row, col, true, low, high in bounds:
        assert low <= true <= high
        assert high - low >= 1, f"{table} row {row} {col}={true} recovered from the totals"


def test_every_small_count_is_withheld_and_ratios_go_with_it() -> None:
    mart = _selfbooking_mart(_conversations(7, 120))
    published = suppress({"s": mart}, {"s": SELFBOOKING}).tables["s"]
    for col in (*PARTS, "n_conversations"):
        small = mart[col].between(1, RULES.min_cell_persons - 1)
        assert published.loc[small, col].isna().all()
        assert published.loc[small, col + FLAG_SUFFIX].all()
    # a share next to a published denominator would give the withheld numerator away
    hidden = published["n_selfbooked_suppressed"] | published["n_conversations_suppressed"]
    assert published.loc[hidden, "selfbooking_share_pct"].isna().all()
    assert published.loc[hidden, "traffic_light"].isna().all()
    # what is published is the true value
    shown = ~published["n_selfbooked_suppressed"]
    assert (published.loc[shown, "n_selfbooked"] == mart.loc[shown, "n_selfbooked"]).all()


def test_hand_computed_case_at_the_threshold() -> None:
    """National 14 = 4 + 5 + 5 at jobcentre level: 4 is withheld, then the next-smallest 5."""
    spec = TableSpec(dimensions=("month", "level", "unit_code"), counts=("n",))
    mart = pd.DataFrame(
        {
            "month": ["2020-01-01"] * 4,
            "level": ["national", "jobcenter", "jobcenter", "jobcenter"],
            "unit_code": ["DK", "101", "147", "151"],
            "n": [14, 4, 5, 5],
        }
    )
    out = suppress({"t": mart}, {"t": spec}).tables["t"]
    assert out["n_suppressed"].tolist() == [False, True, True, False]
    assert out["n"].tolist()[0] == 14 and out["n"].tolist()[3] == 5


def test_same_count_in_two_tables_is_withheld_in_both() -> None:
    """A count withheld in one table and published in another would be read off there.

    National 14 = 4 + 5 + 5: 4 is withheld, and jobcentre 147 with it. A second table also
    publishing jobcentre 147's count (5) would give 4 = 14 - 5 - 5 away unless it follows.
    """
    spec = TableSpec(dimensions=("month", "level", "unit_code"), counts=("n",))
    detail_spec = TableSpec(dimensions=("month", "unit_code"), counts=("n",), blocks=(),
                            level_column=None)
    by_unit = pd.DataFrame(
        {
            "month": ["2020-01-01"] * 4,
            "level": ["national", "jobcenter", "jobcenter", "jobcenter"],
            "unit_code": ["DK", "101", "147", "151"],
            "n": [14, 4, 5, 5],
        }
    )
    detail = pd.DataFrame({"month": ["2020-01-01"] * 3, "unit_code": ["101", "147", "151"],
                           "n": [4, 5, 5]})
    link = Link("detail", "n", "by_unit", "n", on=("month", "unit_code"),
                where_b={"level": "jobcenter"})
    specs = {"by_unit": spec, "detail": detail_spec}
    truth = {"by_unit": by_unit, "detail": detail}
    res = suppress(truth, specs, [link]).tables
    assert res["detail"]["n_suppressed"].tolist() == [True, True, False]
    for *_, true, low, high in attacker_bounds(res, truth, specs, [link]):
        assert high - low >= 1
