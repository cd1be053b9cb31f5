"""The lifecycle's record in the database: model events, the version mirror, champion history.

SQLAlchemy only. Every lifecycle step writes here as well as to MLflow, so the
API (which never imports mlflow) can list versions and history, and the
monitor knows which champion came before the current one.
"""

from __future__ import annotations

import math
import numbers
import threading
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects.db.models import ModelEvent, ModelVersion
from prospects.db.session import get_engine

CHAMPION_MOVES = ("promotion", "rollback")
_ready: set[str] = set()
_ready_lock = threading.Lock()  # a burst of first requests must not each run the migrations


def ensure_tables(database_url: str | None = None) -> None:
    """Migrate a database that predates the lifecycle's tables (once per process and URL)."""
    from prospects.db.migrate import upgrade

    engine = get_engine(database_url)
    key = str(engine.url)
    if key in _ready:
        return
    with _ready_lock:
        if key not in _ready:
            upgrade(engine)
            _ready.add(key)


def record_event(
    session: Session,
    name: str,
    kind: str,
    trigger: str,
    *,
    from_version: int | None = None,
    to_version: int | None = None,
    reason: str = "",
    metrics: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    job_id: str | None = None,
    actor: str | None = None,
) -> ModelEvent:
    """Store one event with the evidence it was decided on; returns it (flushed, with its id)."""
    event = ModelEvent(
        name=name,
        kind=kind,
        trigger=trigger,
        from_version=from_version,
        to_version=to_version,
        reason=reason[:2000],
        metrics=jsonable(metrics or {}),
        thresholds=jsonable(thresholds or {}),
        job_id=job_id,
        actor=actor,
    )
    session.add(event)
    session.flush()
    return event


def event_for_job(session: Session, job_id: str, kinds: tuple[str, ...]) -> ModelEvent | None:
    """The event of one of ``kinds`` that job ``job_id`` recorded, if it recorded one."""
    return session.scalars(
        select(ModelEvent)
        .where(ModelEvent.job_id == job_id, ModelEvent.kind.in_(kinds))
        .order_by(ModelEvent.id)
        .limit(1)
    ).first()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def upsert_version(session: Session, name: str, version: int, **fields: Any) -> ModelVersion:
    """Create or update the mirror row of ``name`` v``version``."""
    row = get_version_row(session, name, version)
    if row is None:
        row = ModelVersion(name=name, version=version, aliases=[])
        session.add(row)
    for key, value in fields.items():
        setattr(row, key, jsonable(value) if isinstance(value, dict) else value)
    row.updated_at = datetime.now(UTC)
    session.flush()
    return row


def get_version_row(session: Session, name: str, version: int) -> ModelVersion | None:
    """The mirror row of ``name`` v``version``, if any."""
    return session.scalars(
        select(ModelVersion).where(ModelVersion.name == name, ModelVersion.version == version)
    ).one_or_none()


def mirror_alias(session: Session, name: str, alias: str, version: int | None) -> None:
    """Make ``alias`` sit on ``version`` only (or on no version) in the mirror."""
    for row in session.scalars(select(ModelVersion).where(ModelVersion.name == name)):
        has = alias in (row.aliases or [])
        if row.version == version and not has:
            row.aliases = sorted([*(row.aliases or []), alias])
        elif row.version != version and has:
            row.aliases = [a for a in row.aliases if a != alias]
    session.flush()


def alias_version(session: Session, name: str, alias: str) -> int | None:
    """The version the mirror says holds ``alias``."""
    for row in session.scalars(select(ModelVersion).where(ModelVersion.name == name)):
        if alias in (row.aliases or []):
            return row.version
    return None


def champion_lineage(session: Session, name: str) -> list[int]:
    """Champions in order of succession, rollbacks undone: the last is the reigning one.

    A promotion pushes its version; a rollback pops back to the version it
    restored, so the champion before a rolled-back one is never offered again.
    """
    stack: list[int] = []
    moves = session.scalars(
        select(ModelEvent)
        .where(ModelEvent.name == name, ModelEvent.kind.in_(CHAMPION_MOVES))
        .order_by(ModelEvent.created_at, ModelEvent.id)
    )
    for event in moves:
        if event.to_version is None:
            continue
        if event.kind == "rollback" and event.to_version in stack:
            while stack and stack[-1] != event.to_version:
                stack.pop()
        else:
            if stack and stack[-1] == event.to_version:
                continue
            stack.append(event.to_version)
    return stack


def previous_champion(session: Session, name: str, current: int | None) -> int | None:
    """The champion ``current`` succeeded, or None when it was the first (or is unknown)."""
    lineage = champion_lineage(session, name)
    if current is None or not lineage:
        return None
    if lineage[-1] == current:
        return lineage[-2] if len(lineage) >= 2 else None
    # The alias was moved outside Callup: the last champion we put in place came before.
    return lineage[-1] if lineage[-1] != current else None


def jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars to Python numbers, NaN and infinities to None, keys to strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
