"""Snapshot writes: claim, idempotent chunk inserts, one-pass ranking, failure.

Every write is safe to repeat. Entries go in with INSERT … ON CONFLICT DO
NOTHING on (snapshot, prospect), so a chunk delivered twice — its worker killed
after the commit, before the ack — adds nothing the second time, and a chunk's
rows commit together or not at all. Ranks are assigned once, by the finalizer,
in a single UPDATE over a window function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from prospects.db.models import RankingEntry, RankingExclusion, RankingSnapshot
from prospects.errors import CallupError
from prospects.ranking.filters import RankingFilters
from prospects.ranking.redis_keys import snapshot_key

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


class RankingError(CallupError):
    """A ranking that cannot finish (a chunk failed for good, or rows are missing)."""

    code = "ranking_failed"


@dataclass(frozen=True)
class RankingSpec:
    """Everything that determines a ranking's content; its hash is the snapshot's key."""

    filters: RankingFilters
    as_of: date
    model_name: str
    model_version: int
    variant: str
    data_version: str

    @property
    def key(self) -> str:
        return snapshot_key(
            self.filters, self.model_name, self.model_version, self.data_version, self.as_of
        )


def _insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING where the dialect has it; else delete-then-insert."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        session.execute(insert(table).on_conflict_do_nothing(index_elements=list(unique)), rows)
        return
    keys = [tuple(row[c] for c in unique) for row in rows]
    session.execute(delete(table).where(tuple_(*(table.c[c] for c in unique)).in_(keys)))
    session.execute(table.insert(), rows)


def claim_snapshot(
    session: Session, spec: RankingSpec, job_id: str, requested_by: str | None
) -> tuple[RankingSnapshot, bool]:
    """The snapshot for ``spec`` and whether this job must compute it.

    A finished one is reused. A running one is taken over (a redelivered job,
    or a twin whose in-flight marker expired: both write the same rows, so
    sharing is harmless); a failed one is retried.
    """
    _insert_ignoring_duplicates(
        session,
        RankingSnapshot.__table__,
        [
            {
                "key": spec.key,
                "job_id": job_id,
                "status": RUNNING,
                "as_of": spec.as_of,
                "model_name": spec.model_name,
                "model_version": spec.model_version,
                "variant": spec.variant,
                "data_version": spec.data_version,
                "filters": spec.filters.canonical(),
                "total": 0,
                "requested_by": requested_by,
                "created_at": datetime.now(UTC),
            }
        ],
        ["key"],
    )
    snapshot = session.scalars(select(RankingSnapshot).where(RankingSnapshot.key == spec.key)).one()
    if snapshot.status == SUCCEEDED:
        return snapshot, False
    snapshot.job_id = job_id
    snapshot.status = RUNNING
    snapshot.error = None
    snapshot.finished_at = None
    session.flush()
    return snapshot, True


def snapshot_status(session: Session, snapshot_id: int) -> str | None:
    return session.scalar(select(RankingSnapshot.status).where(RankingSnapshot.id == snapshot_id))


def write_entries(session: Session, snapshot_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """A chunk's rows, all or nothing (the caller's transaction); duplicates are skipped."""
    rows = [{**row, "snapshot_id": snapshot_id} for row in rows]
    _insert_ignoring_duplicates(
        session, RankingEntry.__table__, rows, ["snapshot_id", "prospect_id"]
    )


def record_exclusions(session: Session, snapshot_id: int, excluded: dict[int, str]) -> None:
    """Replace the snapshot's list of players the prospect rule excludes (a redelivered
    coordinator writes the same list again, not a second copy)."""
    session.execute(delete(RankingExclusion).where(RankingExclusion.snapshot_id == snapshot_id))
    if excluded:
        session.execute(
            RankingExclusion.__table__.insert(),
            [
                {"snapshot_id": snapshot_id, "prospect_id": pid, "reason": reason}
                for pid, reason in sorted(excluded.items())
            ],
        )


def finalize_snapshot(session: Session, snapshot_id: int) -> RankingSnapshot:
    """Number the rows 1..n (probability descending, prospect id breaking ties) and close it.

    Idempotent: a finished snapshot is returned as it is. Refuses to finish a
    snapshot that lacks rows rather than publish a board with holes in it.
    """
    snapshot = session.get(RankingSnapshot, snapshot_id)
    if snapshot is None:
        raise RankingError(f"ranking {snapshot_id} does not exist")
    if snapshot.status == SUCCEEDED:
        return snapshot
    if snapshot.status == FAILED:
        raise RankingError(snapshot.error or f"ranking {snapshot_id} failed")
    count = session.scalar(
        select(func.count())
        .select_from(RankingEntry)
        .where(RankingEntry.snapshot_id == snapshot_id)
    )
    if count != snapshot.total:
        raise RankingError(
            f"ranking {snapshot_id} has {count} of its {snapshot.total} rows; not finishing it"
        )
    ordered = (
        select(
            RankingEntry.id.label("entry_id"),
            func.row_number()
            .over(order_by=(RankingEntry.probability.desc(), RankingEntry.prospect_id.asc()))
            .label("position"),
        )
        .where(RankingEntry.snapshot_id == snapshot_id)
        .subquery()
    )
    session.execute(
        update(RankingEntry)
        .where(RankingEntry.id == ordered.c.entry_id)
        .values(rank=ordered.c.position)
        .execution_options(synchronize_session=False)
    )
    snapshot.status = SUCCEEDED
    snapshot.finished_at = datetime.now(UTC)
    session.flush()
    return snapshot


def fail_snapshot(session: Session, snapshot_id: int, message: str) -> None:
    """Mark a snapshot failed (an identical request later retries it); a finished one stays."""
    session.execute(
        update(RankingSnapshot)
        .where(RankingSnapshot.id == snapshot_id, RankingSnapshot.status != SUCCEEDED)
        .values(status=FAILED, error=message[:500], finished_at=datetime.now(UTC))
    )
