"""Reading snapshots: find a reusable one, the latest that covers a query, pages and exports.

SQLAlchemy only, so the API serves boards without loading the ML stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, object_session

from prospects.db.models import RankingEntry, RankingExclusion, RankingSnapshot
from prospects.ranking.filters import RankingFilters

SUCCEEDED = "succeeded"
LATEST_SCAN = 200  # newest finished snapshots searched for one that covers a query

_SORT_COLUMNS = {
    "rank": RankingEntry.rank,
    "probability": RankingEntry.probability,
    "age": RankingEntry.age,
    "name": RankingEntry.prospect_name,
    "prospect_id": RankingEntry.prospect_id,
}
SORTS: tuple[str, ...] = tuple(s for name in _SORT_COLUMNS for s in (name, f"-{name}"))


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def exclusion_counts(session: Session, snapshot_id: int) -> dict[str, Any]:
    """How many matching players the prospect rule excluded from a board, by reason."""
    rows = session.execute(
        select(RankingExclusion.reason, func.count())
        .where(RankingExclusion.snapshot_id == snapshot_id)
        .group_by(RankingExclusion.reason)
        .order_by(RankingExclusion.reason)
    ).all()
    return {"total": sum(n for _, n in rows), "by_reason": {reason: n for reason, n in rows}}


def snapshot_exclusions(
    session: Session, snapshot_id: int, prospect_ids: list[int] | None = None
) -> dict[int, str]:
    """Why each player the snapshot's prospect rule excluded is not a prospect (all of them,
    or only those among ``prospect_ids``)."""
    stmt = select(RankingExclusion.prospect_id, RankingExclusion.reason).where(
        RankingExclusion.snapshot_id == snapshot_id
    )
    if prospect_ids is not None:
        if not prospect_ids:
            return {}
        stmt = stmt.where(RankingExclusion.prospect_id.in_(prospect_ids))
    return {int(pid): str(reason) for pid, reason in session.execute(stmt)}


def describe_snapshot(snapshot: RankingSnapshot, *, reused: bool = False) -> dict[str, Any]:
    """The snapshot's public summary (a job's result and the head of every board page).

    ``excluded`` counts the players matching the filters whom the prospect rule
    left off the board (or, on a board of everyone, flags), by reason.
    """
    session = object_session(snapshot)
    excluded = (
        exclusion_counts(session, snapshot.id)
        if session is not None
        else {"total": 0, "by_reason": {}}
    )
    return {
        "ranking_id": snapshot.id,
        "status": snapshot.status,
        "as_of": _iso(snapshot.as_of),
        "model": {
            "name": snapshot.model_name,
            "version": snapshot.model_version,
            "variant": snapshot.variant,
        },
        "data_version": snapshot.data_version,
        "filters": json.loads(snapshot.filters),
        "total": snapshot.total,
        "job_id": snapshot.job_id,
        "created_at": _iso(snapshot.created_at),
        "finished_at": _iso(snapshot.finished_at),
        "error": snapshot.error,
        "reused": reused,
        "excluded": excluded,
    }


def describe_entry(entry: RankingEntry, not_a_prospect: str | None = None) -> dict[str, Any]:
    """One board row; ``eligible`` is false (with the rule) only on a board of everyone."""
    return {
        "rank": entry.rank,
        "prospect_id": entry.prospect_id,
        "name": entry.prospect_name,
        "organization": entry.organization,
        "position": entry.position,
        "kind": entry.kind,
        "level": entry.level,
        "age": entry.age,
        "probability": entry.probability,
        "interval": (entry.top_factors or {}).get("interval"),
        "confidence": entry.confidence,
        "top_group": ((entry.top_factors or {}).get("top_group") or {}).get("text"),
        "top_factors": {k: (entry.top_factors or {}).get(k, []) for k in ("for", "against")},
        "eligible": not_a_prospect is None,
        "ineligible_reason": not_a_prospect,
    }


def finished_snapshot(session: Session, key: str) -> RankingSnapshot | None:
    """The succeeded snapshot with this key, if there is one."""
    return session.scalars(
        select(RankingSnapshot).where(
            RankingSnapshot.key == key, RankingSnapshot.status == SUCCEEDED
        )
    ).first()


def latest_snapshot(
    session: Session, filters: RankingFilters, model_version: int | None = None
) -> RankingSnapshot | None:
    """The newest succeeded snapshot whose prospects include every one ``filters`` asks for."""
    stmt = select(RankingSnapshot).where(RankingSnapshot.status == SUCCEEDED)
    if model_version is not None:
        stmt = stmt.where(RankingSnapshot.model_version == model_version)
    stmt = stmt.order_by(RankingSnapshot.finished_at.desc(), RankingSnapshot.id.desc())
    for snapshot in session.scalars(stmt.limit(LATEST_SCAN)):
        if RankingFilters.from_dict(json.loads(snapshot.filters)).covers(filters):
            return snapshot
    return None


def _filtered(snapshot_id: int, filters: RankingFilters) -> Select:
    stmt = select(RankingEntry).where(RankingEntry.snapshot_id == snapshot_id)
    if filters.organization is not None:
        stmt = stmt.where(RankingEntry.organization == filters.organization)
    if filters.level is not None:
        stmt = stmt.where(RankingEntry.level == filters.level)
    positions = filters.positions()
    if positions is not None:
        stmt = stmt.where(RankingEntry.position.in_(positions))
    if filters.min_age is not None:
        stmt = stmt.where(RankingEntry.age >= filters.min_age)
    if filters.max_age is not None:
        stmt = stmt.where(RankingEntry.age <= filters.max_age)
    return stmt


def entries_page(
    session: Session,
    snapshot_id: int,
    filters: RankingFilters,
    sort: str = "rank",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One page of a snapshot's rows matching ``filters``, and how many match in all."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    column = _SORT_COLUMNS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    stmt = _filtered(snapshot_id, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(order, RankingEntry.rank.asc(), RankingEntry.prospect_id.asc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = list(rows)
    flags = snapshot_exclusions(session, snapshot_id, [row.prospect_id for row in rows])
    return [describe_entry(row, flags.get(row.prospect_id)) for row in rows], total


def iter_entries(
    session_factory: Any, snapshot_id: int, filters: RankingFilters, batch: int = 1000
) -> Iterator[RankingEntry]:
    """Every matching row by rank, read in batches, each in its own short session.

    Keyset pagination on rank: no transaction stays open while a slow client
    downloads, and each batch costs the same however deep into the board it is.
    """
    after = 0
    while True:
        with session_factory() as session:
            rows = list(
                session.scalars(
                    _filtered(snapshot_id, filters)
                    .where(RankingEntry.rank > after)
                    .order_by(RankingEntry.rank.asc())
                    .limit(batch)
                )
            )
            session.expunge_all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].rank
