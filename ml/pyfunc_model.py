"""The registered model ``ltu_risk`` as an MLflow pyfunc: features in, assessment out.

It bundles the XGBoost booster, the calibration (Platt or isotonic), the frozen at-risk threshold, the
risk groups and the reason wording, all as plain JSON artifacts, so ``models:/ltu_risk@champion``
gives the same assessment in any process. Imports only the portable ``ml`` modules.
"""

from __future__ import annotations

import json

import mlflow.pyfunc
import numpy as np
import pandas as pd
import xgboost as xgb

from ml.calibration import calibrator_from_dict
from ml.feature_frame import FeatureSpec, model_frame
from ml.reasons import contributions, reason_texts
from ml.risk_groups import RiskGroups

ARTIFACT_FILES = {
    "booster": "booster.json",
    "spec": "feature_spec.json",
    "calibrator": "calibrator.json",
    "risk_groups": "risk_groups.json",
    "policy": "policy.json",
}
OUTPUT_COLUMNS = ["probability", "at_risk", "risk_group", "risk_group_description", "top_reasons", "top_reasons_en"]


class LtuRiskModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        art = context.artifacts
        self.booster = xgb.Booster()
        self.booster.load_model(art["booster"])
        read = lambda key: open(art[key], encoding="utf-8").read()  # noqa: E731
        self.spec = FeatureSpec.from_json(read("spec"))
        self.calibrator = calibrator_from_dict(json.loads(read("calibrator")))
        self.groups = RiskGroups.from_json(read("risk_groups"))
        self.policy = json.loads(read("policy"))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        frame = model_frame(model_input, self.spec, strict=tuple(self.policy.get("strict", ())))
        raw = self.booster.predict(xgb.DMatrix(frame, enable_categorical=True))
        proba = self.calibrator(raw)
        contrib = contributions(self.booster, frame)
        k = int(self.policy["top_reasons"])
        names = self.groups.assign(model_input, self.spec)
        described = self.groups.by_name()
        return pd.DataFrame(
            {
                "probability": proba,
                "at_risk": proba >= float(self.policy["threshold"]),
                "risk_group": names,
                "risk_group_description": [described[n].description("da") if n in described else "" for n in names],
                "top_reasons": reason_texts(frame, contrib, k, "da"),
                "top_reasons_en": reason_texts(frame, contrib, k, "en"),
            },
            index=np.arange(len(frame)),
        )

