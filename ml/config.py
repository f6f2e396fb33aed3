"""The knobs of one training run (Launchpad config in Dagster, plain object in ``make bench``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TrainConfig(BaseModel):
    """Hyperparameters, sample sizes, the at-risk threshold policy and the promotion gate."""

    label: Literal["ltu", "ltu_26w"] = Field("ltu", description="52-week label, or the 26-week horizon")
    # XGBoost
    n_estimators: int = Field(800, description="upper bound on boosting rounds (early stopping picks)")
    # Chosen on the simulator's chain (tests/ml/test_on_simulation.py): the risk is mostly
    # additive with a few two-way interactions, so shallow trees, a slower rate and larger
    # leaves rank better out of time than deeper, faster boosting that fits noise.
    learning_rate: float = 0.05
    max_depth: int = 4
    min_child_weight: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    max_bin: int = 128
    early_stopping_rounds: int = Field(60, description="patience on the validation half's log loss")
    calibration: Literal["platt", "isotonic"] = Field(
        "platt",
        description="platt keeps the ranking (AUC) exactly; isotonic ties score ranges and can cost AUC",
    )
    n_jobs: int = Field(2, description="threads; the machine has 2 cores")
    xgb_max_rows: int = Field(
        1_000_000, description="training rows subsampled for XGBoost (bounds national-scale time)"
    )
    # Logistic baseline
    logreg_c: float = Field(1.0, description="inverse regularisation strength of the baseline")
    logreg_max_rows: int = Field(300_000, description="training rows subsampled for the baseline")
    no_origin_max_rows: int = Field(
        600_000, description="training rows subsampled for the comparison model without origin"
    )
    # Explanations
    shap_sample: int = Field(3_000, description="test rows explained for the SHAP global importance")
    risk_group_depth: int = Field(3, description="depth of the tree whose leaves are the risk groups")
    top_reasons: int = Field(3, description="reasons shown behind each individual score")
    # At-risk flag (threshold policy)
    threshold_policy: Literal["top_share", "probability"] = Field(
        "top_share",
        description="top_share: flag the riskiest share of the validation cohort (threshold frozen"
        " from it); probability: flag when the calibrated probability >= threshold_value",
    )
    threshold_value: float = Field(0.25, description="the share (top_share) or the probability")
    # Promotion gate
    gate_max_auc_drop: float = Field(0.005, description="challenger AUC may trail champion by this")
    gate_max_ece: float = Field(0.03, description="highest expected calibration error allowed")
    gate_min_selection_rate_ratio: float = Field(
        0.2, description="floor of every group's selection rate / the highest in its attribute"
    )
    gate_min_group_size: int = Field(50, description="groups smaller than this are not gated")
    seed: int = 42
