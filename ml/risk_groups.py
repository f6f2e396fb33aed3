"""Risk groups in words (in the spirit of R-PROF-7's groups A, B, C).

A shallow regression tree is fitted on the features to the model's own calibrated score; each
leaf is a segment that is a conjunction of a few conditions, written out in Danish and
English. The leaves are stored as plain rules (no pickled tree), so the registered model can
assign a group in any process, and a reviewer can read the rules in the model's artifacts.
Portable like ``feature_frame``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ml.feature_frame import FeatureSpec, model_frame
from ml.wording import category_text, threshold_text


@dataclass(frozen=True)
class Condition:
    feature: str
    kind: str  # "numeric": value ≤ threshold (or >), "category": value == level (or !=)
    at_most_or_equals: bool
    threshold: float = 0.0
    level: str = ""
    missing_goes_left: bool = True

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        col = frame[self.feature]
        if self.kind == "category":
            hit = (col.astype("string") == self.level).fillna(False).to_numpy(dtype=bool)
            return hit if self.at_most_or_equals else ~hit
        values = col.to_numpy(dtype="float64")
        # sklearn sends missing values to one side of each split; 'left' is the ≤ side.
        left = np.where(np.isnan(values), self.missing_goes_left, values <= self.threshold)
        return left if self.at_most_or_equals else ~left

    def text(self, lang: str) -> str:
        if self.kind == "category":
            return category_text(self.feature, self.level, self.at_most_or_equals, lang)
        return threshold_text(self.feature, self.threshold, self.at_most_or_equals, lang)


@dataclass(frozen=True)
class RiskGroup:
    name: str
    conditions: tuple[Condition, ...]
    mean_probability: float
    share: float

    def description(self, lang: str = "da") -> str:
        if not self.conditions:
            return "alle" if lang == "da" else "everyone"
        return (" og " if lang == "da" else " and ").join(c.text(lang) for c in self.conditions)


@dataclass(frozen=True)
class RiskGroups:
    groups: tuple[RiskGroup, ...]

    def assign(self, df: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
        """The group name of each row (the leaves partition the feature space)."""
        frame = model_frame(df, spec)
        out = np.full(len(frame), "", dtype=object)
        for g in self.groups:
            mask = np.ones(len(frame), dtype=bool)
            for c in g.conditions:
                mask &= c.holds(frame)
            out[mask] = g.name
        return out

    def by_name(self) -> dict[str, RiskGroup]:
        return {g.name: g for g in self.groups}

    def to_json(self) -> str:
        return json.dumps([asdict(g) for g in self.groups], indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "RiskGroups":
        return cls(
            tuple(
                RiskGroup(
                    name=g["name"],
                    conditions=tuple(Condition(**c) for c in g["conditions"]),
                    mean_probability=g["mean_probability"],
                    share=g["share"],
                )
                for g in json.loads(text)
            )
        )

    def markdown(self) -> str:
        lines = ["| group | share | mean probability | segment (da) | segment (en) |", "|---|---|---|---|---|"]
        for g in self.groups:
            lines.append(f"| {g.name} | {g.share:.1%} | {g.mean_probability:.1%} | {g.description('da')} | {g.description('en')} |")
        return "\n".join(lines)


def _encode(frame: pd.DataFrame, spec: FeatureSpec) -> tuple[np.ndarray, list[tuple[str, str | None]]]:
    """Numbers as they are (NaN kept), each category level as its own 0/1 column."""
    cols, names = [], []
    for f in [*spec.numeric, *spec.boolean]:
        cols.append(frame[f].to_numpy(dtype="float64"))
        names.append((f, None))
    for f, levels in spec.categories.items():
        values = frame[f].astype("string")
        for level in levels:
            cols.append((values == level).fillna(False).to_numpy(dtype="float64"))
            names.append((f, level))
    return np.column_stack(cols), names


def fit_risk_groups(
    df: pd.DataFrame, spec: FeatureSpec, score: np.ndarray, depth: int, seed: int
) -> RiskGroups:
    """Leaves of a depth-limited tree on the score, named 1 (highest risk) upwards."""
    from sklearn.tree import DecisionTreeRegressor

    frame = model_frame(df, spec)
    X, names = _encode(frame, spec)
    tree = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=max(20, len(X) // 50), random_state=seed)
    tree.fit(X, score)
    t = tree.tree_
    missing_left = getattr(t, "missing_go_to_left", np.ones(t.node_count, dtype=bool))
    leaves: list[tuple[tuple[Condition, ...], float, float]] = []

    def walk(node: int, path: tuple[Condition, ...]) -> None:
        if t.children_left[node] == -1:
            leaves.append((path, float(t.value[node].ravel()[0]), float(t.weighted_n_node_samples[node] / len(X))))
            return
        feature, level = names[t.feature[node]]
        if level is None:
            left = Condition(feature, "numeric", True, float(t.threshold[node]), "", bool(missing_left[node]))
            right = Condition(feature, "numeric", False, float(t.threshold[node]), "", bool(missing_left[node]))
        else:  # one-hot column: ≤ 0.5 means "not this level"
            left = Condition(feature, "category", False, 0.0, level)
            right = Condition(feature, "category", True, 0.0, level)
        walk(t.children_left[node], (*path, left))
        walk(t.children_right[node], (*path, right))

    walk(0, ())
    leaves.sort(key=lambda leaf: -leaf[1])
    return RiskGroups(
        tuple(RiskGroup(str(i + 1), conds, mean, share) for i, (conds, mean, share) in enumerate(leaves))
    )
