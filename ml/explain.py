"""Global explanations for the reviewer: SHAP importance of each feature (shap.TreeExplainer)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402

from ml.train import RiskModel  # noqa: E402
from ml.wording import label  # noqa: E402


def shap_importance(model: RiskModel, df: pd.DataFrame, sample: int, seed: int) -> pd.DataFrame:
    """Mean |SHAP| per feature on a sample of rows (exact TreeSHAP; the sample bounds the cost)."""
    rows = df if len(df) <= sample else df.sample(n=sample, random_state=seed)
    frame = model.frame(rows)
    import shap  # heavy (numba): imported when explaining, not when the code location loads

    values = shap.TreeExplainer(model.booster).shap_values(xgb.DMatrix(frame, enable_categorical=True))
    table = pd.DataFrame(
        {
            "feature": frame.columns,
            "label_da": [label(c, "da") for c in frame.columns],
            "mean_abs_shap": np.abs(values).mean(axis=0),
        }
    )
    return table.sort_values("mean_abs_shap", ascending=False, ignore_index=True)


def importance_plot(table: pd.DataFrame, top: int = 15) -> plt.Figure:
    head = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(head) + 1.2))
    ax.barh(head["feature"], head["mean_abs_shap"], color="#3b6ea5")
    ax.set(xlabel="mean |SHAP value| (log-odds)", title="Global feature importance (SHAP)")
    fig.tight_layout()
    return fig
