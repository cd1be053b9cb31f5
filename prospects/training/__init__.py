"""Training: time-based splits, the XGBoost fit, metrics, baselines and MLflow logging."""
