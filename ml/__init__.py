"""The long-term-unemployment risk model (R-PROF-2..7): a high-risk AI system, audited in MLflow.

features / feature_frame  which mart columns the model sees, and its input frame
split                     out-of-time split by cohort; censored spells are only scored
train / calibration       XGBoost (native categoricals) and the logistic baseline, calibrated
evaluate / fairness       metrics, calibration, by-group rates (selection-rate ratio, FPR, FNR)
explain / risk_groups / reasons / wording   SHAP importance, risk groups and reasons in words
card / registry           model card, registration, aliases and the promotion gate
pipeline                  train_and_register(features_df, tracking_uri, config) -> TrainResult
pyfunc_model              the registered model ltu_risk (portable: shipped with the version)
scoring / receipt / warehouse   scores of open spells, citizen receipts, jobcentre records
tracking_server           the MLflow server (python -m ml.tracking_server start|stop)
oracle                    the simulator's true probabilities, for reference only

The portable modules (feature_frame, calibration, risk_groups, reasons, wording, pyfunc_model)
import nothing from the platform, so a registered version loads anywhere.
"""
