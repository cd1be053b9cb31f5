"""``GET /api/ml/models`` from the database: versions, aliases, figures and the history.

SQLAlchemy only (the API imports it). The mirror is written at every
registration, promotion and rollback and re-synced from MLflow by each
monitor pass, so it shows what the registry holds without importing mlflow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects.ab import CHALLENGER, CHAMPION
from prospects.db.models import ModelEvent, ModelVersion, MonitorRun

FIGURES = (
    "auc",
    "brier",
    "ece",
    "log_loss",
    "calibration_gap",
    "n",
    "positives",
    "auc_se",
    "brier_se",
)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def describe_version(row: ModelVersion) -> dict[str, Any]:
    """A mirror row as the API lists it."""
    metrics = row.metrics or {}
    return {
        "version": row.version,
        "aliases": list(row.aliases or []),
        "decision": row.decision,
        "registered_at": _when(row.created_at),
        "trained_through": _when(row.trained_through),
        "holdout_seasons": row.holdout_seasons,
        "data_version": row.data_version,
        "run_id": row.run_id,
        "holdout": {k: metrics.get(k) for k in FIGURES if k in metrics},
    }


def describe_event(event: ModelEvent) -> dict[str, Any]:
    """An event as the API lists it, with its evidence."""
    return {
        "id": event.id,
        "kind": event.kind,
        "at": _when(event.created_at),
        "from_version": event.from_version,
        "to_version": event.to_version,
        "trigger": event.trigger,
        "actor": event.actor,
        "job_id": event.job_id,
        "reason": event.reason,
        "metrics": event.metrics or {},
        "thresholds": event.thresholds or {},
    }


def describe_run(run: MonitorRun) -> dict[str, Any]:
    """A monitor pass, summarised."""
    return {
        "id": run.id,
        "at": _when(run.created_at),
        "champion_version": run.champion_version,
        "verdict": run.verdict,
        "action": run.action,
        "n_outcomes": run.n_outcomes,
        "reason": run.reason,
        "drift_breaches": (run.drift or {}).get("breaches", []),
    }


def models_overview(session: Session, name: str, history: int = 50) -> dict[str, Any]:
    """Every version (newest first), who holds which alias, the latest events and monitor run."""
    rows = session.scalars(
        select(ModelVersion).where(ModelVersion.name == name).order_by(ModelVersion.version.desc())
    ).all()
    versions = [describe_version(r) for r in rows]
    holder = {a: v["version"] for v in versions for a in v["aliases"]}
    events = session.scalars(
        select(ModelEvent)
        .where(ModelEvent.name == name)
        .order_by(ModelEvent.created_at.desc(), ModelEvent.id.desc())
        .limit(history)
    ).all()
    run = session.scalars(
        select(MonitorRun)
        .where(MonitorRun.name == name)
        .order_by(MonitorRun.created_at.desc(), MonitorRun.id.desc())
        .limit(1)
    ).one_or_none()
    return {
        "name": name,
        "champion": holder.get(CHAMPION),
        "challenger": holder.get(CHALLENGER),
        "versions": versions,
        "history": [describe_event(e) for e in events],
        "last_monitor_run": describe_run(run) if run else None,
    }
