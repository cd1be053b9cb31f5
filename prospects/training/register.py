"""Logging a training run to MLflow, registering its model, and deciding champion or challenger."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.data
import mlflow.pyfunc
import numpy as np
from mlflow.tracking import MlflowClient

from prospects import config, registry
from prospects.training import contract, plots
from prospects.training.curve import TREES_METRIC, log_validation_curve
from prospects.training.model import booster_from_bytes, predict_proba
from prospects.training.pipeline import TrainingResult
from prospects.training.uncertainty import log_uncertainty

EVALUATION_ARTIFACT = "evaluation_model.ubj"  # the model the holdout figures are about


def announce_alias(alias: str, version: int | None) -> bool:
    """Tell running workers at once that an alias moved; False when Redis is unreachable.

    Best effort: workers also re-read aliases from the registry every
    ``ALIAS_TTL_SECONDS``, so a missed announcement only delays the swap.
    """
    import redis

    from prospects.jobs import JobStore

    try:
        JobStore(redis.Redis.from_url(config.redis_url(), socket_timeout=2)).publish_alias(
            alias, version
        )
        return True
    except redis.RedisError:
        return False


def _model_requirements() -> list[str]:
    """What serving this model needs, pinned to the versions that trained it."""
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for dist in ("xgboost-cpu", "xgboost", "numpy", "pandas"):
        try:
            pins.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            continue
    return pins


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    """MLflow rejects NaN on some stores; drop what could not be computed."""
    return {k: float(v) for k, v in metrics.items() if not math.isnan(float(v))}


def log_training_run(result: TrainingResult, data_version: str, name: str) -> tuple[str, int]:
    """Log params, metrics, features, plots and the UBJ model; register it → (run, version)."""
    with mlflow.start_run(run_name=f"train-{data_version[:8]}") as run:
        mlflow.log_params({**result.params.as_dict(), **result.split.as_params(), **result.counts})
        mlflow.log_metrics(_finite(result.metrics))
        mlflow.set_tags(
            {
                "data_version": data_version,
                "callup.kind": "training",
                "callup.refit": (
                    f"registered model refit on all {result.counts['n_refit']} labelled examples "
                    f"with the evaluation's {result.n_trees} trees; holdout metrics "
                    "are the evaluation model's"
                    if result.refit
                    else "registered model is the evaluation model (no refit)"
                ),
            }
        )
        if result.refit and result.evaluation_booster is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / EVALUATION_ARTIFACT
                result.evaluation_booster.save_model(str(path))
                mlflow.log_artifact(str(path))
        mlflow.log_dict({"features": result.feature_names}, "features.json")
        mlflow.log_dict(result.importance.to_dict(), "feature_importance.json")
        for fig, path in (
            (plots.calibration_figure(result.holdout_y, result.holdout_p), "plots/calibration.png"),
            (plots.importance_figure(result.importance), "plots/feature_importance.png"),
        ):
            mlflow.log_figure(fig, path)
            plots.close(fig)
        log_validation_curve(run.info.run_id, result.valid_curve, result.n_trees)
        if result.uncertainty is not None:
            log_uncertainty(result.holdout_y, result.uncertainty)
        log_training_data(result)
        with tempfile.TemporaryDirectory() as tmp:
            booster_path = Path(tmp) / registry.BOOSTER_FILE
            contract.served_booster(result.booster).save_model(str(booster_path))
            # A model from code (contract.MODEL_CODE, standalone): MLflow's scoring server
            # applies the version's own calibration, as Callup does, without Callup installed.
            info = mlflow.pyfunc.log_model(
                name=registry.MODEL_ARTIFACT,
                python_model=str(contract.MODEL_CODE),
                artifacts={contract.BOOSTER_ARTIFACT: str(booster_path)},
                signature=contract.signature(result.feature_names),
                input_example=contract.input_example(result.holdout_X),
                registered_model_name=name,
                # Stated, not inferred: inference imports the world in a subprocess (seconds).
                pip_requirements=_model_requirements(),
            )
        version = int(info.registered_model_version)
        contract.describe(MlflowClient(), name, version, len(result.feature_names))
        return run.info.run_id, version


def log_training_data(result: TrainingResult) -> None:
    """The rows the registered model was fitted on, as the run's ``training`` dataset.

    MLflow keeps the dataset's digest, schema and profile (not the rows): enough
    to tell whether two versions learned from the same data.
    """
    if result.fitted_X is None or result.fitted_y is None:
        return
    frame = result.fitted_X.astype("float64").reset_index(drop=True)
    frame[contract.TARGET] = np.asarray(result.fitted_y, dtype="int64")
    dataset = mlflow.data.from_pandas(frame, name="labelled-examples", targets=contract.TARGET)
    mlflow.log_input(dataset, context="training")


def champion_evaluation_model(mlflow_client: MlflowClient, champion: registry.ModelRef) -> bytes:
    """The champion's model that never saw its own holdout, else its registered model.

    A refitted champion has trained on every labelled season, the new model's
    holdout included, so scoring the registered champion there would flatter
    it; its evaluation model learned only from labels known before that
    holdout's reference date. Versions registered before refitting existed
    have only the registered model, which was itself the evaluation model.
    """
    if champion.run_id:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = mlflow_client.download_artifacts(champion.run_id, EVALUATION_ARTIFACT, tmp)
                return Path(path).read_bytes()
        except (mlflow.exceptions.MlflowException, OSError):
            pass
    return registry.fetch_model_bytes(mlflow_client, champion)


def champion_on_holdout(
    mlflow_client: MlflowClient, result: TrainingResult, name: str
) -> tuple[registry.ModelRef | None, np.ndarray | None]:
    """The current champion and its probabilities on the new model's holdout (None: not comparable).

    Both models are judged on the very same rows: the latest labelled season.
    """
    champion = registry.get_alias(mlflow_client, registry.CHAMPION, name)
    if champion is None:
        return None, None
    booster = booster_from_bytes(champion_evaluation_model(mlflow_client, champion))
    names = booster.feature_names or []
    if not set(names) <= set(result.holdout_X.columns):
        return champion, None
    return champion, np.asarray(predict_proba(booster, result.holdout_X[names]))


@dataclass(frozen=True)
class LoggedVersion:
    """A training run logged to MLflow and registered as a version, not yet decided on."""

    run_id: str
    version: int
    champion: registry.ModelRef | None  # the champion when it was registered
    champion_p: np.ndarray | None  # its predictions on the new version's holdout rows


def log_version(
    result: TrainingResult,
    data_version: str,
    mlflow_client: MlflowClient | None = None,
    name: str | None = None,
) -> LoggedVersion:
    """Log the run, register the model as a new version and tag it with its figures.

    The champion is scored on the new version's holdout first (the same rows
    for both); what the new version becomes (champion, challenger or kept) is
    the lifecycle's decision: ``prospects.lifecycle.registration``.
    """
    mlflow_client = mlflow_client or registry.client()
    name = name or config.model_name()
    mlflow.set_experiment(experiment_id=registry.ensure_experiment(mlflow_client))
    champion, champion_p = champion_on_holdout(mlflow_client, result, name)
    run_id, version = log_training_run(result, data_version, name)
    for key in registry.VERSION_TAG_METRICS:
        if key in result.metrics:
            mlflow_client.set_model_version_tag(
                name, str(version), key, f"{result.metrics[key]:.6f}"
            )
    mlflow_client.set_model_version_tag(name, str(version), "data_version", data_version)
    mlflow_client.set_model_version_tag(name, str(version), TREES_METRIC, str(result.n_trees))
    raw = registry.fetch_model_bytes(
        mlflow_client, registry.get_version(mlflow_client, version, name)
    )
    mlflow_client.set_model_version_tag(
        name, str(version), registry.DIGEST_TAG, registry.digest(raw)
    )
    return LoggedVersion(run_id, version, champion, champion_p)
