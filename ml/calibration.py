"""Calibration of raw scores, stored as plain numbers so any process can apply it.

Platt scaling (a logistic curve on the log-odds of the raw score) is strictly increasing, so
it keeps the model's ranking and its ROC-AUC exactly; isotonic regression is more flexible
but maps whole score ranges to one value, and those ties cost ranking (AUC) on small
calibration sets. ``TrainConfig.calibration`` chooses; Platt is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

EPS = 1e-6  # keeps the log-odds of raw scores of exactly 0 or 1 finite


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
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, d: dict) -> "IsotonicCalibrator":
        return cls(tuple(d["x"]), tuple(d["y"]))


@dataclass(frozen=True)
class PlattCalibrator:
    """``p = expit(slope * logit(raw) + intercept)``; slope > 0 keeps the ranking."""

    slope: float
    intercept: float

    @staticmethod
    def _log_odds(raw: np.ndarray) -> np.ndarray:
        return logit(np.clip(np.asarray(raw, dtype="float64"), EPS, 1.0 - EPS))

    @classmethod
    def fit(cls, raw: np.ndarray, outcome: np.ndarray) -> "PlattCalibrator":
        # Unpenalised: the two parameters are a recalibration, not a model to regularise.
        lr = LogisticRegression(C=np.inf).fit(cls._log_odds(raw).reshape(-1, 1), outcome.astype(int))
        slope = float(lr.coef_[0, 0])
        if slope <= 0:  # a calibration set that reverses the ranking is not a calibration
            raise ValueError(f"Platt calibration found a non-positive slope {slope:.3f}; the scores do not rank the outcome")
        return cls(slope, float(lr.intercept_[0]))

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return expit(self.slope * self._log_odds(raw) + self.intercept)

    def to_dict(self) -> dict:
        return {"method": "platt", "slope": self.slope, "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict) -> "PlattCalibrator":
        return cls(float(d["slope"]), float(d["intercept"]))


Calibrator = IsotonicCalibrator | PlattCalibrator
METHODS: dict[str, type[IsotonicCalibrator] | type[PlattCalibrator]] = {
    "isotonic": IsotonicCalibrator,
    "platt": PlattCalibrator,
}


def fit_calibrator(method: str, raw: np.ndarray, outcome: np.ndarray) -> Calibrator:
    return METHODS[method].fit(raw, outcome)


def calibrator_from_dict(d: dict) -> Calibrator:
    """The stored calibrator; versions logged before Platt existed hold isotonic knots only."""
    return METHODS[d.get("method", "isotonic")].from_dict(d)
