"""Turn rows of the feature mart into the model's input frame.

Kept free of platform imports on purpose: the registered MLflow model ships this module
(``code_paths``) so ``models:/ltu_risk@champion`` loads in any process that has the
locked libraries, without the rest of the repository.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns the model sees, and the fixed category levels of each categorical one.

    Fixed levels make the pandas category codes identical in training and scoring, which
    XGBoost's native categorical splits rely on.
    """

    numeric: tuple[str, ...]
    boolean: tuple[str, ...]
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.boolean, *self.categories]

    def without(self, column: str) -> "FeatureSpec":
        return FeatureSpec(
            numeric=tuple(c for c in self.numeric if c != column),
            boolean=tuple(c for c in self.boolean if c != column),
            categories={k: v for k, v in self.categories.items() if k != column},
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "FeatureSpec":
        raw = json.loads(text)
        return cls(
            numeric=tuple(raw["numeric"]),
            boolean=tuple(raw["boolean"]),
            categories={k: tuple(v) for k, v in raw["categories"].items()},
        )


def as_float(values: pd.Series) -> np.ndarray:
    """Numbers (nullable ints, booleans, floats from DuckDB) as float64 with NaN for NULL."""
    return pd.to_numeric(values, errors="raise").to_numpy(dtype="float64", na_value=np.nan)


class UnknownCategoryError(ValueError):
    pass


def model_frame(df: pd.DataFrame, spec: FeatureSpec, *, strict: tuple[str, ...] = ()) -> pd.DataFrame:
    """The model input: only the spec's columns, numbers as float, categoricals with fixed levels.

    A value outside a column's levels becomes missing, except in ``strict`` columns (codes
    the data contracts fix), where it is an error naming the column, row and value, so a
    changed code list is never scored silently as "missing".
    """
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        raise KeyError(f"feature frame lacks columns {missing}")
    out = pd.DataFrame(index=df.index)
    for col in spec.numeric:
        out[col] = as_float(df[col])
    for col in spec.boolean:
        out[col] = as_float(df[col].astype("boolean"))
    for col, levels in spec.categories.items():
        source = df[col]
        if isinstance(source.dtype, pd.CategoricalDtype):
            # Fast path for frames already in categories (see as_categories): remap the codes.
            cat = source.cat.set_categories(list(levels)).array
            unknown = (source.cat.codes.to_numpy() != -1) & (cat.codes == -1)
            values = source.to_numpy(dtype=object)
        else:
            values = source.to_numpy(dtype=object)  # codes are text in the mart (VARCHAR)
            cat = pd.Categorical(values, categories=list(levels))
            unknown = pd.notna(values) & (cat.codes == -1)
        if unknown.any() and col in strict:
            pos = int(np.flatnonzero(unknown)[0])
            raise UnknownCategoryError(
                f"column {col!r}, row {df.index[pos]!r}: value {values[pos]!r} is not one of "
                f"the model's levels {list(levels)} ({int(unknown.sum())} rows affected)"
            )
        out[col] = cat
    return out


def as_categories(df: pd.DataFrame, columns) -> pd.DataFrame:
    """The coded columns as pandas categories once, so repeated model frames are cheap."""
    return df.assign(**{c: df[c].astype("category") for c in columns})


def input_frame(df: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The registered model's input columns with one fixed dtype each (its MLflow signature).

    Numbers and flags as float64, codes as text with None for missing: the same dtypes in the
    logged input example and at scoring, so signature checks never coerce silently.
    """
    out = pd.DataFrame(index=df.index)
    for col in spec.numeric:
        out[col] = as_float(df[col])
    for col in spec.boolean:
        out[col] = as_float(df[col].astype("boolean"))
    for col in spec.categories:
        values = df[col].astype("object")
        out[col] = values.where(values.notna(), None).map(lambda v: v if v is None else str(v))
    return out.reset_index(drop=True)


def input_for_schema(df: pd.DataFrame, schema) -> pd.DataFrame:
    """The rows in a registered version's own input signature (an MLflow ``Schema``).

    Used for whichever version is loaded (the champion may predate the current spec):
    doubles as float64, strings as text or None.
    """
    out = pd.DataFrame(index=df.index)
    for col in schema.inputs:
        if col.type.name == "double":
            source = df[col.name]
            out[col.name] = as_float(source.astype("boolean") if pd.api.types.is_bool_dtype(source) else source)
        else:
            values = df[col.name].astype("object")
            out[col.name] = values.where(values.notna(), None).map(lambda v: v if v is None else str(v))
    return out.reset_index(drop=True)
