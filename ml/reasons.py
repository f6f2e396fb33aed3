"""The top reasons behind one person's score: the features' SHAP contributions, in words.

XGBoost computes exact TreeSHAP contributions itself (``pred_contribs``), so scoring needs no
extra library. Portable like ``feature_frame``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xgboost as xgb

from ml.wording import label, value_text


def contributions(booster: xgb.Booster, frame: pd.DataFrame) -> np.ndarray:
    """Per row and feature, the contribution to the log-odds (bias column dropped)."""
    dm = xgb.DMatrix(frame, enable_categorical=True)
    return booster.predict(dm, pred_contribs=True)[:, :-1]


def reason_texts(frame: pd.DataFrame, contrib: np.ndarray, k: int, lang: str = "da") -> list[str]:
    """The k largest contributions per row, most important first, with their direction."""
    up, down = ("øger risikoen", "mindsker risikoen") if lang == "da" else ("raises the risk", "lowers the risk")
    order = np.argsort(-np.abs(contrib), axis=1)[:, :k]
    cols = list(frame.columns)
    values = frame.astype("object").to_numpy()
    texts = []
    for i, idx in enumerate(order):
        parts = [
            f"{label(cols[j], lang)}: {value_text(cols[j], values[i, j], lang)} ({up if contrib[i, j] > 0 else down})"
            for j in idx
            if contrib[i, j] != 0
        ]
        texts.append("; ".join(parts))
    return texts
