"""Request and response shapes of the model lifecycle endpoints (and their OpenAPI source).

Bodies are optional on every POST here: an empty body means every default.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RetrainRequest(BaseModel):
    """``POST /api/ml/models/retrain``: optional overrides of the training parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    n_estimators: int | None = Field(default=None, ge=1, le=5000, description="Boosting rounds.")
    max_depth: int | None = Field(default=None, ge=1, le=16)
    learning_rate: float | None = Field(default=None, gt=0, le=1)
    early_stopping_rounds: int | None = Field(default=None, ge=1, le=1000)
    early_stopping_min_delta: float | None = Field(
        default=None, ge=0, le=1, description="Validation log loss a stretch of rounds must gain."
    )
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class PromoteRequest(BaseModel):
    """``POST /api/ml/models/<version>/promote``: why (kept in the event and MLflow tags)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str | None = Field(default=None, min_length=1, max_length=500)


class RollbackRequest(BaseModel):
    """``POST /api/ml/models/rollback``: to the previous champion, or to ``to_version``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    to_version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    reason: str | None = Field(default=None, min_length=1, max_length=500)


class RetrainAccepted(BaseModel):
    """``202``: the retraining job (the running one when ``deduplicated``)."""

    job_id: str
    status: str = Field(description="`queued` or `running`.")
    status_url: str
    deduplicated: bool = Field(description="True when a retraining was already queued or running.")


class LifecycleAnswer(BaseModel):
    """``200``: the promotion or rollback is done; ``result`` says from which version to which."""

    job_id: str
    status: str = Field(description="`succeeded`.")
    result: dict[str, Any]


class LifecycleAccepted(BaseModel):
    """``202``: still running after the wait; poll ``status_url``."""

    job_id: str
    status: str
    status_url: str


class ModelVersionView(BaseModel):
    """One registered version."""

    version: int
    aliases: list[str]
    decision: str = Field(description="Why registration made it champion, challenger or neither.")
    registered_at: str | None
    trained_through: str | None = Field(description="Its training labels were known up to here.")
    holdout_seasons: str
    data_version: str
    run_id: str
    holdout: dict[str, float | int | None] = Field(
        description="Registration-time holdout figures: auc, brier, ece, n, standard errors."
    )


class ModelEventView(BaseModel):
    """One lifecycle event with the evidence it was decided on."""

    id: int
    kind: str = Field(
        description="registered, challenger, promotion, rollback, alert, retrain_queued, "
        "retrain_failed or ingest (a feed ingest run, or a held batch a person forced in)."
    )
    at: str | None
    from_version: int | None
    to_version: int | None
    trigger: str = Field(description="beat, api, cli, monitor, retrain or feed.")
    actor: str | None
    job_id: str | None
    reason: str
    metrics: dict[str, Any]
    thresholds: dict[str, Any]


class MonitorRunView(BaseModel):
    """The latest monitor pass."""

    id: int
    at: str | None
    champion_version: int | None
    verdict: str
    action: str
    n_outcomes: int
    reason: str
    drift_breaches: list[str]


class ModelsListing(BaseModel):
    """``GET /api/ml/models``: versions, aliases, registration figures and the history."""

    name: str
    champion: int | None
    challenger: int | None
    versions: list[ModelVersionView]
    history: list[ModelEventView]
    last_monitor_run: MonitorRunView | None


class ExperimentReport(BaseModel):
    """``GET /api/ml/experiments/current``: champion against challenger."""

    champion: int | None
    challenger: int | None
    share: float = Field(description="Share of users the challenger serves.")
    active: bool
    message: str | None = None
    since: str | None = None
    variants: dict[str, Any] | None = Field(
        default=None,
        description="Per variant: predictions, users, mean probability, matured-outcome metrics.",
    )
    agreement: dict[str, Any] | None = None
    holdout: dict[str, Any] | None = None
