"""Fitting the two models: the XGBoost risk model and the logistic-regression baseline.

Both are calibrated on a held-out half of the validation cohort, so their probabilities can
be read as probabilities (the at-risk threshold and the citizen's receipt rely on that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ml.calibration import Calibrator, PlattCalibrator, fit_calibrator
from ml.config import TrainConfig
from ml.feature_frame import FeatureSpec, model_frame
from ml.features import STRICT

MISSING_LEVEL = "(ikke oplyst)"


@dataclass
class RiskModel:
    """A fitted XGBoost model with its feature spec, calibration and at-risk threshold."""

    spec: FeatureSpec
    booster: xgb.Booster
    calibrator: Calibrator
    threshold: float = 0.5
    best_iteration: int = 0

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        return model_frame(df, self.spec, strict=tuple(c for c in STRICT if c in self.spec.categories))

    def raw(self, df: pd.DataFrame) -> np.ndarray:
        dm = xgb.DMatrix(self.frame(df), enable_categorical=True)
        return self.booster.predict(dm)

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        return self.calibrator(self.raw(df))


def sample_rows(df: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    return df if len(df) <= max_rows else df.sample(n=max_rows, random_state=seed)


def fit_xgboost(
    train: pd.DataFrame, stop: pd.DataFrame, calib: pd.DataFrame, spec: FeatureSpec, cfg: TrainConfig
) -> RiskModel:
    """Boost on the training cohorts, stop early on one validation half, calibrate on the other."""
    strict = tuple(c for c in STRICT if c in spec.categories)
    clf = xgb.XGBClassifier(
        tree_method="hist",
        enable_categorical=True,
        n_estimators=cfg.n_estimators,
        learning_rate=cfg.learning_rate,
        max_depth=cfg.max_depth,
        min_child_weight=cfg.min_child_weight,
        subsample=cfg.subsample,
        colsample_bytree=cfg.colsample_bytree,
        reg_lambda=cfg.reg_lambda,
        max_bin=cfg.max_bin,
        early_stopping_rounds=cfg.early_stopping_rounds,
        eval_metric="logloss",
        n_jobs=cfg.n_jobs,
        random_state=cfg.seed,
    )
    clf.fit(
        model_frame(train, spec, strict=strict),
        train[cfg.label].astype(int),
        eval_set=[(model_frame(stop, spec, strict=strict), stop[cfg.label].astype(int))],
        verbose=False,
    )
    booster = clf.get_booster()
    # Keep only the trees up to the early-stopping optimum, so the saved model predicts
    # exactly what was validated.
    best = int(clf.best_iteration)
    booster = booster[: best + 1]
    model = RiskModel(spec=spec, booster=booster, calibrator=PlattCalibrator(1.0, 0.0))  # identity until fitted
    model.calibrator = fit_calibrator(cfg.calibration, model.raw(calib), calib[cfg.label].to_numpy(dtype=float))
    model.best_iteration = best
    return model


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain text with an explicit 'not stated' level for the one-hot encoder."""
    return frame.astype("object").where(frame.notna(), MISSING_LEVEL)


def fit_logistic(
    train: pd.DataFrame, calib: pd.DataFrame, spec: FeatureSpec, cfg: TrainConfig
) -> CalibratedClassifierCV:
    """The baseline: one-hot + scaling + logistic regression, calibrated like XGBoost (frozen fit)."""
    train = sample_rows(train, cfg.logreg_max_rows, cfg.seed)
    numeric = [*spec.numeric, *spec.boolean]
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
            (
                "cat",
                make_pipeline(
                    FunctionTransformer(_as_text, feature_names_out="one-to-one"),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=20),
                ),
                list(spec.categories),
            ),
        ]
    )
    pipe = Pipeline([("prep", prep), ("logreg", LogisticRegression(C=cfg.logreg_c, max_iter=2000))])
    pipe.fit(model_frame(train, spec), train[cfg.label].astype(int))
    # Same calibration family as the XGBoost model, so the AUC comparison is like for like.
    method = "sigmoid" if cfg.calibration == "platt" else "isotonic"
    calibrated = CalibratedClassifierCV(FrozenEstimator(pipe), method=method)
    calibrated.fit(model_frame(calib, spec), calib[cfg.label].astype(int))
    return calibrated


def at_risk_threshold(validation_proba: np.ndarray, cfg: TrainConfig) -> float:
    """The documented threshold policy: a fixed probability, or the validation cohort's top share.

    With ``top_share`` the probability that cut off the riskiest share of the validation
    cohort is frozen into the model version, so the flag does not drift with each scoring batch.
    """
    if cfg.threshold_policy == "probability":
        return float(cfg.threshold_value)
    return float(np.quantile(validation_proba, 1.0 - cfg.threshold_value))
