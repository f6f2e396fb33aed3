"""Small-cell suppression of published aggregates (domain.md, Data protection).

Primary suppression: a person count between 1 and ``RULES.min_cell_persons - 1`` is withheld.
Secondary suppression: published numbers obey additive equations (the national row is the sum
of the units at every level; a row total is the sum of its parts; a count published in two
tables is the same number). An equation with exactly one withheld cell gives that cell away by
subtraction, so another cell of the equation is withheld too: the smallest non-zero part
(totals last, since the national figure is the most useful one). This repeats over all
equations of all tables until no equation has a single withheld cell. Ratios and values
derived from a withheld number are withheld with it, otherwise numerator or denominator could
be recomputed from the ratio.

No well-kept Python library covers this (sdcMicro and tau-Argus are R/Java tools for
micro-data and tabular data in other stacks), so the rule is implemented here and checked in
``tests/publish/test_suppression.py`` by an attacker that solves the published equations with
linear programming.

A withheld value becomes NULL and its flag column ``<column>_suppressed`` is true; a NULL with
the flag false means "not defined" (e.g. a share with a zero denominator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ltu_platform.rules import RULES

FLAG_SUFFIX = "_suppressed"
NATIONAL_LEVEL = "national"

Cell = tuple[str, int, str]  # (table, row position, column)


@dataclass(frozen=True)
class TableSpec:
    """What each column of a published aggregate table is, for disclosure control.

    ``blocks``: columns whose values separate independent tables (e.g. ``month``): equations
    never cross them. ``level_column``/``total_level``: the hierarchy; the rows at the total
    level are the sum of the rows at every other level within a block. ``counts``: numbers of
    persons (primary rule). ``sums``: additive non-person quantities that follow a count
    (withheld when the count is). ``row_totals``: total column = sum of part columns in a row.
    ``ratios``: column -> (numerator, denominator). ``derived``: column -> inputs (a value
    computed from them, e.g. a traffic light from a share). Columns not named are dimensions
    (``dimensions``) and are published as they are.
    """

    dimensions: tuple[str, ...]
    counts: tuple[str, ...]
    blocks: tuple[str, ...] = ("month",)
    level_column: str | None = "level"
    total_level: str = NATIONAL_LEVEL
    each_level_sums_to_total: bool = True  # False: the other levels together make the total
    sums: Mapping[str, str] = field(default_factory=dict)
    row_totals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ratios: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def additive(self) -> tuple[str, ...]:
        return (*self.counts, *self.sums)

    @property
    def protected(self) -> tuple[str, ...]:
        """Every column that may be withheld, in a stable order."""
        return (*self.counts, *self.sums, *self.ratios, *self.derived)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.dimensions, *self.protected)


@dataclass(frozen=True)
class Link:
    """The same number published in two tables: rows matched on ``on`` (R: cross-table)."""

    table_a: str
    column_a: str
    table_b: str
    column_b: str
    on: tuple[str, ...]
    where_a: Mapping[str, str] = field(default_factory=dict)
    where_b: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SuppressionResult:
    tables: dict[str, pd.DataFrame]
    primary: dict[str, int]
    secondary: dict[str, int]


class SuppressionSpecError(ValueError):
    pass


def _equations(
    frames: Mapping[str, pd.DataFrame], specs: Mapping[str, TableSpec], links: Iterable[Link]
) -> list[tuple[Cell, list[Cell]]]:
    """(total, parts) for every additive relation among the published numbers."""
    equations: list[tuple[Cell, list[Cell]]] = []
    for name, df in frames.items():
        spec = specs[name]
        positions = pd.RangeIndex(len(df))
        for total, parts in spec.row_totals:
            for i in positions:
                equations.append(((name, i, total), [(name, i, p) for p in parts]))
        if spec.level_column is not None:
            equations.extend(_hierarchy_equations(name, df, spec))
    for link in links:
        if link.table_a not in frames or link.table_b not in frames:
            continue
        a = _filtered(frames[link.table_a], link.where_a)
        b = _filtered(frames[link.table_b], link.where_b)
        pairs = a.merge(b, on=list(link.on), suffixes=("_a", "_b"))
        for pa, pb in zip(pairs["_pos_a"], pairs["_pos_b"]):
            equations.append(
                ((link.table_a, int(pa), link.column_a), [(link.table_b, int(pb), link.column_b)])
            )
    return equations


def _hierarchy_equations(
    name: str, df: pd.DataFrame, spec: TableSpec
) -> list[tuple[Cell, list[Cell]]]:
    """Per block: the total-level row = the sum of the rows of each other level."""
    block = (
        df.groupby(list(spec.blocks), dropna=False, sort=False).ngroup().to_numpy()
        if spec.blocks else np.zeros(len(df), dtype=int)
    )
    is_total = (df[spec.level_column] == spec.total_level).to_numpy()
    total_rows = pd.Series(np.flatnonzero(is_total)).groupby(block[is_total]).agg(list)
    total_of = {b: rows[0] for b, rows in total_rows.items() if len(rows) == 1}
    level = df[spec.level_column].to_numpy() if spec.each_level_sums_to_total else None
    units = pd.DataFrame({"block": block[~is_total], "pos": np.flatnonzero(~is_total)})
    if level is not None:
        units["level"] = level[~is_total]
    keys = ["block", "level"] if level is not None else ["block"]
    equations = []
    for key, group in units.groupby(keys, sort=False)["pos"]:
        b = key[0] if isinstance(key, tuple) else key
        if b not in total_of:
            continue  # no published total in this block: nothing to subtract from
        parts = group.tolist()
        for col in spec.additive:
            equations.append(((name, int(total_of[b]), col), [(name, int(p), col) for p in parts]))
    return equations


def _filtered(df: pd.DataFrame, where: Mapping[str, str]) -> pd.DataFrame:
    df = df.reset_index(drop=True).assign(_pos=pd.RangeIndex(len(df)))
    for col, value in where.items():
        df = df[df[col] == value]
    return df


def _partner(candidates: list[Cell], values: Mapping[Cell, float], total: Cell) -> Cell:
    """The cell to withhold next: a part before the total, non-zero before zero, smallest."""
    return min(
        candidates,
        key=lambda c: (c == total, values[c] == 0, values[c], c),
    )


def suppress(
    frames: Mapping[str, pd.DataFrame],
    specs: Mapping[str, TableSpec],
    links: Iterable[Link] = (),
    min_persons: int | None = None,
) -> SuppressionResult:
    """Withhold small cells and every cell that would give one away; return new frames."""
    threshold = RULES.min_cell_persons if min_persons is None else min_persons
    frames = {name: df.reset_index(drop=True) for name, df in frames.items()}
    for name, df in frames.items():
        _check_columns(name, df, specs.get(name))

    values: dict[Cell, float] = {}
    withheld: set[Cell] = set()
    primary: dict[str, int] = {}
    for name, df in frames.items():
        spec = specs[name]
        for col in spec.additive:
            for i, v in enumerate(df[col].tolist()):
                values[(name, i, col)] = 0.0 if pd.isna(v) else float(v)
        for col in spec.counts:
            small = df[col].between(1, threshold - 1).fillna(False).to_numpy()
            withheld.update((name, int(i), col) for i in small.nonzero()[0])
        primary[name] = sum(1 for c in withheld if c[0] == name)

    equations = _equations(frames, specs, links)
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            cells = [total, *parts]
            hidden = [c for c in cells if c in withheld]
            if len(hidden) == 1:
                open_cells = [c for c in cells if c not in withheld]
                withheld.add(_partner(open_cells, values, total))
                changed = True
        for name, df in frames.items():
            for col, population in specs[name].sums.items():
                for i in range(len(df)):
                    if (name, i, population) in withheld and (name, i, col) not in withheld:
                        withheld.add((name, i, col))
                        changed = True

    out: dict[str, pd.DataFrame] = {}
    secondary: dict[str, int] = {}
    for name, df in frames.items():
        out[name] = _apply(name, df, specs[name], withheld)
        secondary[name] = sum(1 for c in withheld if c[0] == name) - primary[name]
    return SuppressionResult(tables=out, primary=primary, secondary=secondary)


def _check_columns(name: str, df: pd.DataFrame, spec: TableSpec | None) -> None:
    if spec is None:
        raise SuppressionSpecError(f"table {name!r} has no suppression spec")
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        raise SuppressionSpecError(f"table {name!r}: columns {missing} of its spec are missing")


def _apply(name: str, df: pd.DataFrame, spec: TableSpec, withheld: set[Cell]) -> pd.DataFrame:
    df = df.loc[:, list(spec.columns)].copy()
    flags: dict[str, pd.Series] = {}
    for col in spec.additive:
        mask = pd.Series([(name, i, col) in withheld for i in range(len(df))], dtype=bool)
        flags[col] = mask
    for col, (num, den) in spec.ratios.items():
        flags[col] = flags[num] | flags[den]
    for col, inputs in spec.derived.items():
        flags[col] = pd.concat([flags[c] for c in inputs], axis=1).any(axis=1)
    for col in spec.protected:
        if col in spec.counts:
            df[col] = df[col].astype("Int64")
        elif pd.api.types.is_bool_dtype(df[col]):
            df[col] = df[col].astype("boolean")
        elif pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].astype("Float64")
        df[col] = df[col].mask(flags[col].to_numpy())
        df[col + FLAG_SUFFIX] = flags[col].to_numpy()
    return df
