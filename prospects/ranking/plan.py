"""The coordinator's part of a ranking job: claim the snapshot, pick the prospects, cut chunks.

Deterministic for a given snapshot: a redelivered coordinator cuts the same
chunks, so it can skip the ones already committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from prospects.ranking.queries import describe_snapshot
from prospects.ranking.select import select_candidates
from prospects.ranking.store import (
    RankingSpec,
    claim_snapshot,
    finalize_snapshot,
    record_exclusions,
)


@dataclass(frozen=True)
class Plan:
    """What is left to do; ``summary`` is set when nothing is (reused, or nobody to rank)."""

    snapshot_id: int
    total: int
    chunks: list[list[int]]
    summary: dict[str, Any] | None = None


def chunked(ids: list[int], size: int) -> list[list[int]]:
    """Consecutive slices of at most ``size`` ids."""
    size = max(1, int(size))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def plan_ranking(
    session: Session,
    spec: RankingSpec,
    job_id: str,
    requested_by: str | None,
    chunk_size: int,
) -> Plan:
    """Claim (or reuse) the snapshot for ``spec`` and split its prospects into chunks."""
    snapshot, needs_work = claim_snapshot(session, spec, job_id, requested_by)
    if not needs_work:
        return Plan(snapshot.id, snapshot.total, [], describe_snapshot(snapshot, reused=True))
    candidates = select_candidates(session, spec.filters, spec.as_of)
    ids = candidates.ids
    record_exclusions(session, snapshot.id, candidates.excluded)
    snapshot.total = len(ids)
    session.flush()
    if not ids:
        return Plan(snapshot.id, 0, [], describe_snapshot(finalize_snapshot(session, snapshot.id)))
    return Plan(snapshot.id, len(ids), chunked(ids, chunk_size))
