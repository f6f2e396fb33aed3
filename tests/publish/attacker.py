"""An attacker on published tables: bounds every withheld count by linear programming.

It knows every published number, every additive relation (national = sum of the units at
each level, row total = sum of parts, the same count in two tables) and that counts are
non-negative. A withheld cell is recovered when its lower and upper bound meet. Written
independently of suppression.py (its own reading of the equations from the table specs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from ltu_platform.publish.suppression import FLAG_SUFFIX, Link, TableSpec


def attacker_bounds(
    published: dict[str, pd.DataFrame],
    truth: dict[str, pd.DataFrame],
    specs: dict[str, TableSpec],
    links: list[Link],
) -> list[tuple[str, int, str, float, float, float]]:
    """(table, row, column, true value, lower bound, upper bound) of every withheld count."""
    unknowns: dict[tuple[str, int, str], int] = {}
    for name, df in published.items():
        for col in specs[name].counts + tuple(specs[name].sums):
            for i in np.flatnonzero(df[col + FLAG_SUFFIX].to_numpy()):
                unknowns[(name, int(i), col)] = len(unknowns)

    rows: list[np.ndarray] = []
    rhs: list[float] = []

    def equation(terms: list[tuple[tuple[str, int, str], int]]) -> None:
        a = np.zeros(len(unknowns))
        b = 0.0
        for cell, sign in terms:
            if cell in unknowns:
                a[unknowns[cell]] += sign
            else:
                b -= sign * float(published[cell[0]].at[cell[1], cell[2]])
        if a.any():
            rows.append(a)
            rhs.append(b)

    for name, df in published.items():
        spec = specs[name]
        for total, parts in spec.row_totals:
            for i in range(len(df)):
                equation([((name, i, total), 1)] + [((name, i, p), -1) for p in parts])
        if spec.level_column is None:
            continue
        for _, block in df.groupby(list(spec.blocks)):
            national = block.index[block["level"] == "national"]
            for level in set(block["level"]) - {"national"}:
                units = block.index[block["level"] == level]
                for col in spec.counts + tuple(spec.sums):
                    equation([((name, int(national[0]), col), 1)]
                             + [((name, int(u), col), -1) for u in units])
    for link in links:
        a, b = published[link.table_a], published[link.table_b]
        for col, value in link.where_b.items():
            b = b[b[col] == value]
        for ia, ra in a.iterrows():
            match = b
            for key in link.on:
                match = match[match[key] == ra[key]]
            for ib in match.index:
                equation([((link.table_a, int(ia), link.column_a), 1),
                          ((link.table_b, int(ib), link.column_b), -1)])

    a_eq, b_eq = (np.array(rows), np.array(rhs)) if rows else (None, None)
    result = []
    for cell, j in unknowns.items():
        c = np.zeros(len(unknowns))
        c[j] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0, "the published equations must be consistent"
        upper = np.inf if high.status == 3 else -high.fun
        true = float(truth[cell[0]].at[cell[1], cell[2]])
        result.append((*cell, true, low.fun, upper))
    return result
