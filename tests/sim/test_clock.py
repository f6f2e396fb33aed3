"""Hand-computed boundary cases of the simulator's own clock, spells and labels
(domain.md "Precise boundaries"; docs/architecture.md "Shared definitions")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltu_sim import dates
from ltu_sim.clock import SpellClock, build_spells, labels
from ltu_sim.indicators import traffic_light

D = np.datetime64
NEWEST_MONTH = D("2024-12", "M")
NEWEST_DAY = D("2024-12-31", "D")


def _one_spell(start: str, months: list[str], hours: list[float], end: str) -> SpellClock:
    return SpellClock.build(np.array([D(start, "D")]), np.array([D(end, "D")]), np.zeros(len(months), dtype=np.int64),
                            np.array(months, dtype="datetime64[M]"), np.array(hours))


def _at(clock: SpellClock, day: str) -> float:
    return float(clock.at(np.array([0]), np.array([D(day, "D")]))[0])


def test_clock_mid_month_start_accrues_over_days_inside_the_spell():
    # Start 16 March: 16 days of March lie inside the spell (16th..31st).
    ck = _one_spell("2020-03-16", ["2020-03", "2020-04", "2020-05", "2020-06"], [82.75, 160.33, 160.33, 100.0],
                    "2020-06-30")
    assert _at(ck, "2020-03-01") == 0.0  # before the start
    assert _at(ck, "2020-03-16") == pytest.approx(82.75 * 1 / 16)  # day 0 counts
    assert _at(ck, "2020-03-31") == pytest.approx(82.75)
    assert _at(ck, "2020-04-15") == pytest.approx(82.75 + 160.33 * 15 / 30)
    assert _at(ck, "2020-07-15") == pytest.approx(82.75 + 2 * 160.33 + 100.0)  # after the end: the total


@pytest.mark.parametrize("march_hours, transfer_month", [(88.34, "2020-06"), (89.34, "2020-05"), (90.34, "2020-05")])
def test_transfer_month_is_first_month_with_410_cumulative_hours(march_hours, transfer_month):
    # Cumulative after May = march + 2 x 160.33 = 409, 410, 411 hours (R-AK-6).
    ck = _one_spell("2020-03-02", ["2020-03", "2020-04", "2020-05", "2020-06"],
                    [march_hours, 160.33, 160.33, 160.33], "2020-06-30")
    got = ck.first_month_reaching(np.array([0]), 410)[0]
    assert got == D(transfer_month, "M")


def test_day_reaching_hours_inverts_the_clock():
    ck = _one_spell("2020-03-02", ["2020-03", "2020-04", "2020-05"], [89.34, 160.33, 160.33], "2020-05-31")
    assert ck.day_reaching(np.array([0]), np.array([410.0]))[0] == D("2020-05-31", "D")
    day = ck.day_reaching(np.array([0]), np.array([3.0 * 37]))[0]  # 1st joint window opens at 3 weeks
    assert _at(ck, str(day)) >= 111.0 > _at(ck, str(day - dates.DAY))
    assert np.isnat(ck.day_reaching(np.array([0]), np.array([1000.0]))[0])  # never reached


def _spells(placements: list[tuple[str, str]], payments: list[tuple[str, str, float]]):
    pl = pd.DataFrame(placements, columns=["cpr", "placement_date"])
    pl["placement_date"] = pd.to_datetime(pl["placement_date"])
    pay = pd.DataFrame(payments, columns=["cpr", "payment_month", "hours"])
    pay["payment_month"] = pd.to_datetime(pay["payment_month"])
    return build_spells(pl, pay, NEWEST_MONTH)


def test_label_threshold_is_inclusive_and_censoring_uses_day_364():
    # 12 months from 1 Jan 2021: day 364 = 31 Dec 2021, so the clock there is the year's total.
    at_threshold = [128.27] * 11 + [128.23]  # sums to 1539.20
    below = [128.27] * 11 + [128.22]  # 1539.19
    rows = [("A", f"2021-{m:02d}-01", h) for m, h in enumerate(at_threshold, 1)]
    rows += [("B", f"2021-{m:02d}-01", h) for m, h in enumerate(below, 1)]
    rows += [("C", f"2024-{m:02d}-01", 160.33) for m in range(1, 13)]
    rows += [("E", f"2024-{m:02d}-01", 160.33) for m in range(1, 13)]
    sp, ck = _spells([("A", "2021-01-01"), ("B", "2021-01-01"), ("C", "2024-01-01"), ("E", "2024-01-03")], rows)
    lab = labels(sp, ck, NEWEST_DAY).set_index(sp["cpr"])
    assert lab.loc["A", "ltu"] == 1 and lab.loc["B", "ltu"] == 0
    # 2024-01-01 + 364 days = 2024-12-30 (delivered); 2024-01-03 + 364 = 2025-01-01 (censored).
    assert not lab.loc["C", "censored"] and lab.loc["C", "ltu"] == 1
    assert lab.loc["E", "censored"] and pd.isna(lab.loc["E", "ltu"])
    # 26 weeks: day 182 = 2 July; clock = 6 full months + 2/31 of July = 777.89 >= 769.6.
    assert ck.at(np.array([0]), np.array([D("2021-07-02", "D")]))[0] == pytest.approx(6 * 128.27 + 128.27 * 2 / 31)
    assert lab.loc["A", "ltu_26w"] == 1


def test_spell_ends_at_a_month_without_payment_and_runs_reaching_newest_month_are_ongoing():
    sp, ck = _spells(
        [("A", "2020-01-10"), ("A", "2020-05-05"), ("B", "2024-10-07")],
        [("A", "2020-01-01", 70.0), ("A", "2020-02-01", 160.33), ("A", "2020-03-01", 160.33),
         ("A", "2020-05-01", 120.0), ("A", "2020-06-01", 160.33),
         ("B", "2024-10-01", 100.0), ("B", "2024-11-01", 160.33), ("B", "2024-12-01", 160.33)],
    )
    assert list(sp["spell_end"].astype(str)) == ["2020-03-31", "2020-06-30", "NaT"]
    assert list(ck.total()) == pytest.approx([390.66, 280.33, 420.66])


def test_month_shared_by_two_spells_is_split_by_days():
    sp, ck = _spells(
        [("A", "2020-01-10"), ("A", "2020-03-16")],
        [("A", "2020-01-01", 70.0), ("A", "2020-02-01", 160.33), ("A", "2020-03-01", 155.0),
         ("A", "2020-04-01", 160.33)],
    )
    assert str(sp["spell_end"].iloc[0])[:10] == "2020-03-15"  # the day before the next placement
    assert list(ck.total()) == pytest.approx([70.0 + 160.33 + 155.0 * 15 / 31, 155.0 * 16 / 31 + 160.33])


def test_calendar_helpers_at_their_edges():
    days = np.array(["2020-01-31", "2019-11-30", "2021-03-15"], dtype="datetime64[D]")
    assert list(dates.add_months_clamped(days, 1).astype(str)) == ["2020-02-29", "2019-12-30", "2021-04-15"]
    assert list(dates.add_months_clamped(days, 3).astype(str)) == ["2020-04-30", "2020-02-29", "2021-06-15"]
    birth = np.array(["2000-03-15", "2000-03-15", "2000-02-29"], dtype="datetime64[D]")
    on = np.array(["2025-03-14", "2025-03-15", "2025-02-28"], dtype="datetime64[D]")
    assert list(dates.whole_years_between(birth, on)) == [24, 25, 24]  # under 25 means age < 25


def test_traffic_light_boundaries():
    assert list(traffic_light(np.array([75.01, 75.0, 60.0, 59.99]))) == ["green", "yellow", "yellow", "red"]
