"""Moving the ``champion`` and ``challenger`` aliases: MLflow first, then the record, then workers.

Every move is one function here, so each one sets the alias in the registry,
mirrors it into the database, stores an event (with the evidence), tags the
versions in MLflow (visible in its UI) and announces the move on Redis so
every worker serves the new version before its next task.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import redis
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from prospects import config, registry
from prospects.ab import CHALLENGER, NO_VERSION
from prospects.db.session import session_scope
from prospects.jobs import ALIAS_TTL_SECONDS, JobStore, alias_key
from prospects.lifecycle import events
from prospects.lifecycle.errors import NoPreviousChampionError, UnknownVersionError

log = logging.getLogger(__name__)
_TAG_LIMIT = 4000  # MLflow caps tag values; reasons are cut to fit


def announce(alias: str, version: int | None) -> bool:
    """Publish an alias (or that it is gone) to the API and workers; False if Redis is down.

    A removed alias is published as ``"none"`` rather than deleted, so the API
    can tell "no challenger" from "not known" and serve cached answers safely.
    """
    try:
        client = redis.Redis.from_url(config.redis_url(), socket_timeout=2)
        if version is None:
            client.set(alias_key(alias), NO_VERSION, ex=ALIAS_TTL_SECONDS)
        else:
            JobStore(client).publish_alias(alias, version)
        return True
    except redis.RedisError:
        log.warning(
            "could not announce %s -> %s; workers notice within %ss",
            alias,
            version,
            ALIAS_TTL_SECONDS,
        )
        return False


def _tag(client: MlflowClient, name: str, version: int, key: str, value: dict[str, Any]) -> None:
    text = json.dumps(value, default=str)
    client.set_model_version_tag(name, str(version), key, text[:_TAG_LIMIT])


def require_version(client: MlflowClient, version: int, name: str) -> registry.ModelRef:
    """The version, or UnknownVersionError (never a bare registry exception)."""
    try:
        return registry.get_version(client, version, name)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            raise UnknownVersionError(f"model {name} has no version {version}") from None
        raise


def sync_mirror(client: MlflowClient, name: str) -> None:
    """Make the database mirror match the registry: every version, and where the aliases sit."""
    refs = registry.list_versions(client, name)
    with session_scope() as session:
        for ref in refs:
            row = events.get_version_row(session, name, ref.version)
            fields: dict[str, Any] = {"aliases": sorted(ref.aliases)}
            if row is None:
                fields.update(
                    run_id=ref.run_id,
                    data_version=ref.tags.get("data_version", ""),
                    decision=ref.tags.get("registration_decision", ""),
                    metrics={
                        k.removeprefix("holdout_"): float(ref.tags[k])
                        for k in registry.VERSION_TAG_METRICS
                        if k.startswith("holdout_") and k in ref.tags
                    },
                )
            events.upsert_version(session, name, ref.version, **fields)


def move_champion(
    client: MlflowClient,
    to_version: int,
    kind: str,
    trigger: str,
    reason: str,
    *,
    name: str | None = None,
    metrics: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    actor: str | None = None,
    job_id: str | None = None,
) -> dict[str, Any]:
    """Point ``champion`` at ``to_version`` (a promotion or a rollback) and record it everywhere."""
    name = name or config.model_name()
    require_version(client, to_version, name)
    current = registry.get_alias(client, registry.CHAMPION, name)
    challenger = registry.get_alias(client, CHALLENGER, name)
    ends_experiment = challenger is not None and challenger.version == to_version
    from_version = current.version if current else None
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with session_scope() as session:
        event = events.record_event(
            session,
            name,
            kind,
            trigger,
            from_version=from_version,
            to_version=to_version,
            reason=reason,
            metrics=metrics,
            thresholds=thresholds,
            actor=actor,
            job_id=job_id,
        )
        events.mirror_alias(session, name, registry.CHAMPION, to_version)
        if ends_experiment:
            events.mirror_alias(session, name, CHALLENGER, None)
        # The registry moves inside the transaction: if it fails, nothing is recorded.
        registry.set_alias(client, registry.CHAMPION, to_version, name)
        if ends_experiment:
            client.delete_registered_model_alias(name, CHALLENGER)
        event_id = event.id
    note = {
        "event_id": event_id,
        "at": at,
        "from": from_version,
        "to": to_version,
        "trigger": trigger,
        "reason": reason,
    }
    try:
        _tag(client, name, to_version, f"callup.{kind}", note)
        if from_version is not None and from_version != to_version:
            _tag(client, name, from_version, f"callup.replaced_by_{kind}", note)
        client.set_registered_model_tag(
            name, "callup.last_champion_move", json.dumps({"kind": kind, **note})[:_TAG_LIMIT]
        )
    except MlflowException:
        log.exception("champion moved, but its MLflow tags could not be written")
    announce(registry.CHAMPION, to_version)
    if ends_experiment:
        announce(CHALLENGER, None)
    log.info("%s: champion v%s -> v%s (%s)", kind, from_version, to_version, reason)
    return {
        "event_id": event_id,
        "kind": kind,
        "from_version": from_version,
        "to_version": to_version,
        "changed": from_version != to_version,
        "reason": reason,
        "at": at,
    }


def promote(
    version: int,
    trigger: str,
    *,
    reason: str | None = None,
    actor: str | None = None,
    job_id: str | None = None,
    metrics: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    client: MlflowClient | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Make ``version`` the champion (ending its A/B test if it was the challenger)."""
    client = client or registry.client()
    name = name or config.model_name()
    require_version(client, version, name)
    current = registry.get_alias(client, registry.CHAMPION, name)
    if current is not None and current.version == version:
        return {
            "kind": "promotion",
            "from_version": version,
            "to_version": version,
            "changed": False,
            "reason": f"v{version} is already the champion",
        }
    why = reason or f"promoted by {actor or trigger}"
    return move_champion(
        client,
        version,
        "promotion",
        trigger,
        why,
        name=name,
        metrics=metrics,
        thresholds=thresholds,
        actor=actor,
        job_id=job_id,
    )


def rollback(
    trigger: str,
    *,
    to_version: int | None = None,
    reason: str | None = None,
    actor: str | None = None,
    job_id: str | None = None,
    metrics: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    client: MlflowClient | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Return the champion alias to the previous champion (or ``to_version``)."""
    client = client or registry.client()
    name = name or config.model_name()
    current = registry.get_alias(client, registry.CHAMPION, name)
    target = to_version
    if target is None:
        with session_scope() as session:
            target = events.previous_champion(session, name, current.version if current else None)
    if target is None:
        raise NoPreviousChampionError(
            "the champion has no previous champion to roll back to"
            if current
            else "there is no champion to roll back"
        )
    if current is not None and target == current.version:
        raise NoPreviousChampionError(f"v{target} is already the champion")
    why = reason or f"rolled back by {actor or trigger}"
    return move_champion(
        client,
        target,
        "rollback",
        trigger,
        why,
        name=name,
        metrics=metrics,
        thresholds=thresholds,
        actor=actor,
        job_id=job_id,
    )


def set_challenger(
    client: MlflowClient,
    name: str,
    version: int,
    *,
    trigger: str,
    reason: str,
    metrics: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
    job_id: str | None = None,
) -> dict[str, Any]:
    """Give ``version`` the challenger alias (replacing any other) and record why."""
    previous = registry.get_alias(client, CHALLENGER, name)
    replaced = previous.version if previous and previous.version != version else None
    with session_scope() as session:
        event = events.record_event(
            session,
            name,
            "challenger",
            trigger,
            from_version=replaced,
            to_version=version,
            reason=reason,
            metrics=metrics,
            thresholds=thresholds,
            job_id=job_id,
        )
        events.mirror_alias(session, name, CHALLENGER, version)
        registry.set_alias(client, CHALLENGER, version, name)
        event_id = event.id
    announce(CHALLENGER, version)
    return {
        "event_id": event_id,
        "kind": "challenger",
        "from_version": replaced,
        "to_version": version,
        "reason": reason,
    }


def recorded_move(job_id: str, database_url: str | None = None) -> dict[str, Any] | None:
    """The champion move job ``job_id`` made already, as ``move_champion`` answered it; or None.

    A promotion or rollback delivered again (its worker died after the move
    was committed, before the job was marked done, or the sweeper re-sent it)
    answers with the move on record instead of moving again: a rollback run
    twice would otherwise go back two champions.
    """
    with session_scope(database_url) as session:
        event = events.event_for_job(session, job_id, ("promotion", "rollback"))
        if event is None:
            return None
        return {
            "event_id": event.id,
            "kind": event.kind,
            "from_version": event.from_version,
            "to_version": event.to_version,
            "changed": event.from_version != event.to_version,
            "reason": event.reason,
            "at": events.aware(event.created_at).isoformat(timespec="seconds"),
        }
