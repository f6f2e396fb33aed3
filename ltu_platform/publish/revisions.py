"""Revisions: which published figures changed since the previous publication (issue 7 §5).

A corrected re-delivery recomputes facts and indicators; the next publication says which
figures moved and by how much. The comparison is between the published, already suppressed
tables of the previous version (the one ``latest`` pointed to) and of the new one, so it can
never reveal more than the two publications do: a cell suppressed in either version is
reported with status ``suppressed`` and no numbers. A cell suppressed in both is not
reported (what was published, "suppressed", did not change).

Cells are (table, key, measure): the key is the table's dimensions (TableSpec.dimensions:
month, level, unit_code and any further ones such as joint_number); the measures are its
protected columns. ``revisions.csv`` lists revised cells; added and removed rows (a new
month, a unit that no longer appears) are counted per table in the summary.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ltu_platform.publish import versioning
from ltu_platform.publish.suppression import FLAG_SUFFIX, TableSpec

REVISIONS_FILE = "revisions.csv"
STANDARD_KEYS = ("month", "level", "unit_code")
COLUMNS = ("table", *STANDARD_KEYS, "other_keys", "measure", "status", "old_value", "new_value",
           "difference", "old_label", "new_label")
REVISED, SUPPRESSED = "revised", "suppressed"
# recomputing the same figure may differ in the last bits of a float (summation order)
RELATIVE_TOLERANCE = 1e-9


@dataclass
class Revisions:
    previous_version: str | None
    cells: pd.DataFrame  # COLUMNS, one row per revised cell
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""

    def summary(self) -> dict[str, Any]:
        """For the manifest."""
        return {
            "previous_version": self.previous_version,
            "note": self.note,
            "file": REVISIONS_FILE,
            "revised_cells": int((self.cells["status"] == REVISED).sum()),
            "suppression_changed_cells": int((self.cells["status"] == SUPPRESSED).sum()),
            "tables": self.tables,
        }


def against_latest(
    published_dir: Path, tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec]
) -> Revisions:
    """Revisions of ``tables`` (the new, suppressed ones) against the version ``latest``
    points to; call before the new version is pointed to."""
    previous = versioning.latest_version(published_dir)
    if previous is None:
        return Revisions(None, _empty(), note="first publication: no previous version to compare with")
    if not (published_dir / previous / "manifest.json").exists():
        return Revisions(None, _empty(), note=f"previous version {previous} (latest) is not readable: "
                                               "revisions not computed")
    return compare_with_version(published_dir / previous, tables, specs)


def compare_with_version(
    version_dir: Path, tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec]
) -> Revisions:
    """Revisions of ``tables`` against the published version in ``version_dir``."""
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    previous = {
        name: pd.read_parquet(version_dir / entry["parquet"])
        for name, entry in manifest.get("tables", {}).items()
        if name in specs and (version_dir / entry["parquet"]).exists()
    }
    return compare(version_dir.name, previous, tables, specs)


def compare(
    previous_version: str, previous: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame],
    specs: dict[str, TableSpec],
) -> Revisions:
    frames, summary = [], {}
    for name, spec in specs.items():
        if name not in tables:
            if name in previous:
                summary[name] = {"status": "not in this publication (was in the previous one)"}
            continue
        if name not in previous:
            summary[name] = {"status": "new table (not in the previous publication)",
                             "added_rows": len(tables[name])}
            continue
        cells, counts = _compare_table(name, previous[name], tables[name], spec)
        frames.append(cells)
        summary[name] = counts
    cells = pd.concat([_empty(), *frames], ignore_index=True) if frames else _empty()
    return Revisions(previous_version, cells, summary,
                     note=f"compared with the previous publication {previous_version}")


def _compare_table(name: str, old: pd.DataFrame, new: pd.DataFrame,
                   spec: TableSpec) -> tuple[pd.DataFrame, dict[str, Any]]:
    keys = [k for k in spec.dimensions if k in old.columns and k in new.columns]
    measures = [m for m in spec.protected if m in old.columns and m in new.columns]
    old_k, new_k = _keyed(old, keys), _keyed(new, keys)
    for label, df in (("previous", old_k), ("new", new_k)):
        if df.duplicated(keys).any():
            return _empty(), {"status": f"not compared: keys {keys} not unique in the {label} table"}
    merged = old_k.merge(new_k, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    frames = [_measure_cells(name, both, keys, m) for m in measures]
    cells = pd.concat([_empty(), *frames], ignore_index=True)
    added_rows = int((merged["_merge"] == "right_only").sum())
    removed_rows = int((merged["_merge"] == "left_only").sum())
    return cells, {
        "revised_cells": int((cells["status"] == REVISED).sum()),
        "suppression_changed_cells": int((cells["status"] == SUPPRESSED).sum()),
        "added_rows": added_rows,
        "removed_rows": removed_rows,
        "added_cells": added_rows * len(measures),
        "removed_cells": removed_rows * len(measures),
    }


def _measure_cells(table: str, both: pd.DataFrame, keys: list[str], measure: str) -> pd.DataFrame:
    old, new = both[f"{measure}_old"], both[f"{measure}_new"]
    old_hidden, new_hidden = _flag(both, measure, "_old"), _flag(both, measure, "_new")
    old_num, new_num = _as_number(old), _as_number(new)
    numeric = old_num is not None and new_num is not None
    visible = ~old_hidden & ~new_hidden
    same = _same_numbers(old_num, new_num) if numeric else _same_labels(old, new)
    revised = visible & ~same
    suppression_changed = old_hidden != new_hidden
    rows = both[revised | suppression_changed]
    if rows.empty:
        return _empty()
    out = _key_columns(rows, keys)
    out["table"], out["measure"] = table, measure
    is_revised = revised[rows.index].to_numpy()
    out["status"] = np.where(is_revised, REVISED, SUPPRESSED)
    if numeric:
        # numbers only where both versions published the cell: never a suppressed value
        out["old_value"] = old_num[rows.index].where(is_revised).to_numpy()
        out["new_value"] = new_num[rows.index].where(is_revised).to_numpy()
        out["difference"] = out["new_value"] - out["old_value"]
    else:
        out["old_label"] = old[rows.index].where(is_revised).to_numpy()
        out["new_label"] = new[rows.index].where(is_revised).to_numpy()
    return out.reindex(columns=list(COLUMNS))


def _keyed(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The table with its key columns as text (dates as YYYY-MM-DD), comparable across
    versions whatever types the file formats gave them."""
    out = df.copy()
    for k in keys:
        out[k] = _text(out[k])
    return out


def _text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").fillna("")
    return s.map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v))
                 else v.isoformat()[:10] if hasattr(v, "isoformat") else str(v))


def _key_columns(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=rows.index)
    for k in STANDARD_KEYS:
        out[k] = rows[k] if k in keys else None
    others = [k for k in keys if k not in STANDARD_KEYS]
    out["other_keys"] = (
        rows[others].apply(lambda r: "; ".join(f"{k}={r[k]}" for k in others), axis=1)
        if others else None
    )
    return out


def _flag(both: pd.DataFrame, measure: str, suffix: str) -> pd.Series:
    column = f"{measure}{FLAG_SUFFIX}{suffix}"
    if column not in both:
        return pd.Series(False, index=both.index)
    return both[column].fillna(False).astype(bool)


def _as_number(s: pd.Series) -> pd.Series | None:
    """The column as floats (booleans as 0/1), or None when it holds labels."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype("Float64").astype(float)
    values = s.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
    try:
        return pd.to_numeric(values, errors="raise").astype(float)
    except (ValueError, TypeError):
        return None


def _same_numbers(old: pd.Series, new: pd.Series) -> pd.Series:
    both_null = old.isna() & new.isna()
    close = np.isclose(old.to_numpy(), new.to_numpy(), rtol=RELATIVE_TOLERANCE, atol=0.0)
    return both_null | pd.Series(close, index=old.index)


def _same_labels(old: pd.Series, new: pd.Series) -> pd.Series:
    return (old.isna() & new.isna()) | (old.astype(object) == new.astype(object))


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("old_value", "new_value", "difference")
                                      else "object") for c in COLUMNS})


def report_section(revisions: Revisions, max_rows: int = 20) -> str:
    """A short HTML section for the evaluation report: counts per table and the largest
    revisions (published values only)."""
    parts = ["<h2>Revisions since the previous publication</h2>",
             f"<p class=note>{html.escape(revisions.note)}</p>"]
    if revisions.previous_version is None:
        return "\n".join(parts)
    counts = pd.DataFrame.from_dict(revisions.tables, orient="index").fillna("")
    parts.append(counts.to_html(border=0, escape=True))
    revised = revisions.cells[revisions.cells["status"] == REVISED].copy()
    if revised.empty:
        parts.append("<p class=note>No published figure changed.</p>")
        return "\n".join(parts)
    revised["size"] = revised["difference"].abs().fillna(0)
    top = revised.sort_values("size", ascending=False).head(max_rows).drop(columns="size")
    parts.append(f"<p class=note>Largest revisions (all in {REVISIONS_FILE}):</p>")
    parts.append(top.dropna(axis=1, how="all").to_html(index=False, border=0, na_rep="–", escape=True))
    return "\n".join(parts)
