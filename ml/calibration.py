"""Isotonic calibration of raw scores, stored as plain numbers so any process can apply it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression


@dataclass(frozen=True)
class IsotonicCalibrator:
    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def fit(cls, raw: np.ndarray, outcome: np.ndarray) -> "IsotonicCalibrator":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, outcome)
        return cls(tuple(map(float, iso.X_thresholds_)), tuple(map(float, iso.y_thresholds_)))

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        # Same as IsotonicRegression.predict with out_of_bounds="clip" (linear between knots).
        return np.interp(np.asarray(raw, dtype="float64"), self.x, self.y)

    def to_dict(self) -> dict:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, d: dict) -> "IsotonicCalibrator":
        return cls(tuple(d["x"]), tuple(d["y"]))
