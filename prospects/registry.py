"""The MLflow model registry as Callup uses it: versions, the ``champion`` alias, artifacts.

Artifacts are XGBoost's own UBJ format, never pickles; a worker fetches the raw
bytes and builds a booster from them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from prospects import config

CHAMPION = "champion"
_MISSING = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"}
MODEL_ARTIFACT = "model"  # name the MLflow model is logged under in a run
BOOSTER_FILE = "model.ubj"  # the booster inside it (artifacts/ of a pyfunc model since issue 13)
# Model version tags: the registration-time holdout figures (the database mirror reads them back).
VERSION_TAG_METRICS = (
    "holdout_auc",
    "holdout_auc_eligible",
    "holdout_auc_eligible_ci_low",
    "holdout_auc_eligible_ci_high",
    "level_age_baseline_holdout_auc_eligible",
    "holdout_brier",
    "holdout_log_loss",
    "holdout_ece",
    "holdout_accuracy",
    "grades_baseline_holdout_auc",
    "grades_baseline_holdout_brier",
)
DIGEST_TAG = "artifact_sha256"  # model version tag: the digest a cached artifact must match


@dataclass(frozen=True)
class ModelRef:
    """One registered version, with what serving and monitoring need to know about it."""

    name: str
    version: int
    run_id: str
    source: str
    aliases: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


def client(tracking_uri: str | None = None) -> MlflowClient:
    """A client for the configured tracking store and registry (same URI for both)."""
    uri = tracking_uri or config.mlflow_tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def ensure_experiment(mlflow_client: MlflowClient, name: str | None = None) -> str:
    """The training experiment's id, created with the local artifact root if it is new."""
    name = name or config.experiment_name()
    existing = mlflow_client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    uri = mlflow_client.tracking_uri
    location = None if uri.startswith(("http://", "https://")) else config.mlflow_artifact_root()
    return mlflow_client.create_experiment(name, artifact_location=location)


def _ref(mv) -> ModelRef:  # type: ignore[no-untyped-def]
    return ModelRef(
        name=mv.name,
        version=int(mv.version),
        run_id=mv.run_id or "",
        source=mv.source,
        aliases=tuple(getattr(mv, "aliases", ()) or ()),
        tags=dict(mv.tags or {}),
    )


def get_alias(mlflow_client: MlflowClient, alias: str, name: str | None = None) -> ModelRef | None:
    """The version an alias points at, or None when the alias or the model does not exist.

    Any other failure (the registry unreachable) propagates: "no champion" and
    "cannot tell" must not look the same.
    """
    try:
        return _ref(mlflow_client.get_model_version_by_alias(name or config.model_name(), alias))
    except MlflowException as exc:
        if exc.error_code in _MISSING:
            return None
        raise


def get_version(mlflow_client: MlflowClient, version: int, name: str | None = None) -> ModelRef:
    """One version by number (raises ``MlflowException`` when it does not exist)."""
    return _ref(mlflow_client.get_model_version(name or config.model_name(), str(version)))


def set_alias(
    mlflow_client: MlflowClient, alias: str, version: int, name: str | None = None
) -> None:
    """Point ``alias`` at ``version``."""
    mlflow_client.set_registered_model_alias(name or config.model_name(), alias, str(version))


def list_versions(mlflow_client: MlflowClient, name: str | None = None) -> list[ModelRef]:
    """Every version of the model, newest first."""
    name = name or config.model_name()
    try:
        found = mlflow_client.search_model_versions(f"name = '{name}'")
    except MlflowException:
        return []
    refs = [get_version(mlflow_client, int(mv.version), name) for mv in found]
    return sorted(refs, key=lambda r: r.version, reverse=True)


def fetch_model_bytes(mlflow_client: MlflowClient, ref: ModelRef) -> bytes:
    """The version's booster in XGBoost UBJ (or JSON) format, as raw bytes."""
    local = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{ref.name}/{ref.version}",
            tracking_uri=mlflow_client.tracking_uri,
        )
    )
    # A pyfunc model keeps it under artifacts/; versions logged with the xgboost flavor, at the top.
    for candidate in (f"artifacts/{BOOSTER_FILE}", BOOSTER_FILE, "model.json"):
        path = local / candidate
        if path.exists():
            return path.read_bytes()
    raise FileNotFoundError(
        f"no model.ubj or model.json in the artifacts of {ref.name} v{ref.version}"
    )


def digest(data: bytes) -> str:
    """SHA-256 of model bytes: checked before a cached artifact is used."""
    return hashlib.sha256(data).hexdigest()
