"""Vectorised calendar helpers on NumPy ``datetime64``: days as ``datetime64[D]``, months as
``datetime64[M]``. Kept in one place so every module counts days and months the same way."""

from __future__ import annotations

import numpy as np

DAY = np.timedelta64(1, "D")


def to_day(value) -> np.datetime64:
    return np.datetime64(value, "D")


def as_days(values) -> np.ndarray:
    """Any datetime-like array (pandas gives datetime64[s]/[ns]) as datetime64[D]."""
    return np.asarray(values).astype("datetime64[D]")


def month_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[M]")


def month_start(months: np.ndarray) -> np.ndarray:
    return months.astype("datetime64[D]")


def month_end(months: np.ndarray) -> np.ndarray:
    return (months + 1).astype("datetime64[D]") - DAY


def days_in_month(months: np.ndarray) -> np.ndarray:
    return ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)


def year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def day_of_month(days: np.ndarray) -> np.ndarray:
    days = as_days(days)
    return (days - month_start(month_of(days))).astype(np.int64) + 1


def add_months_clamped(days: np.ndarray, n: int) -> np.ndarray:
    """date + INTERVAL n MONTH, clamped to the month's last day (as DuckDB and DateOffset)."""
    days = as_days(days)
    target = month_of(days) + n
    dom = day_of_month(days)
    return month_start(target) + (np.minimum(dom, days_in_month(target)) - 1).astype("timedelta64[D]")


def whole_years_between(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Age in whole years on ``on`` (a birthday counts from its own date)."""
    birth, on = as_days(birth), as_days(on)
    by, oy = year_of(birth), year_of(on)
    # Compare month/day, not day-of-year, so leap years do not shift birthdays.
    bm, om = month_of(birth).astype(np.int64) % 12, month_of(on).astype(np.int64) % 12
    bd, od = day_of_month(birth), day_of_month(on)
    before = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before.astype(np.int64)
