"""Ingesting the feed: each waiting batch validated, checked, upserted and archived, or held.

A batch is imported with ``callup import-csv --mode upsert``'s code, arriving
on ``arrived_on``. A batch with a problem in its files is *rejected*; one that
passes the row checks but looks wrong (``checks``) is *held*: not loaded. Both
move to ``rejected/`` with their reason, raise an alert in the model events,
stop the batches after them (they may build on it), and hold back retraining
until a later batch is applied: training never sees data the feed doubted.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects import config
from prospects.csvio import CsvValidationError, import_csv
from prospects.csvio.errors import write_errors
from prospects.db.models import Ingest
from prospects.db.session import session_scope
from prospects.feed.checks import FEED_SOURCE, suspicious
from prospects.feed.location import ARCHIVE, REJECTED, DropLocation

APPLIED, REJECTED_STATUS, HELD = "applied", "rejected", "held"


@dataclass
class BatchResult:
    """What happened to one batch."""

    batch: str
    status: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    reason: str = ""

    def describe(self) -> str:
        if self.status != APPLIED:
            return f"{self.batch}: {self.status}: {self.reason}"
        parts = [
            f"{t} {c['inserted']} inserted, {c['updated']} updated, {c['unchanged']} unchanged"
            for t, c in self.counts.items()
        ]
        return f"{self.batch}: applied: " + "; ".join(parts)


def ingest_pending(
    location: DropLocation,
    *,
    arrived_on: date | None = None,
    job_id: str | None = None,
) -> list[BatchResult]:
    """Take every waiting batch in order; stop at the first rejected or held one."""
    day = arrived_on or datetime.now(UTC).date()
    results = []
    for batch in location.pending():
        result = _one(location, batch, day, job_id)
        results.append(result)
        if result.status != APPLIED:
            break
    return results


def _one(location: DropLocation, batch: str, day: date, job_id: str | None) -> BatchResult:
    source = batch_source(location, batch)
    with tempfile.TemporaryDirectory(prefix="callup-feed-") as tmp:
        files = Path(tmp)
        location.fetch(batch, files)
        try:
            with session_scope() as session:
                try:  # against what was stored before the batch
                    reason = suspicious(session, files, day)
                except (ValueError, KeyError):
                    reason = None  # unreadable: the import below names every problem
                counts = import_csv(session, files, mode="upsert", arrived_on=day, source=source)
                if reason is not None:
                    raise _Held(reason)  # rolls the import back
        except CsvValidationError as exc:
            n = len(exc.errors)
            reason = f"{n} problem{'s' if n != 1 else ''} in the files, e.g. {exc.errors[0]}"
            write_errors(exc.errors, files / "problems.csv")
            _settle_bad(location, batch, files, REJECTED_STATUS, reason, source, day, job_id)
            return BatchResult(batch, REJECTED_STATUS, reason=reason)
        except _Held as held:
            _settle_bad(location, batch, files, HELD, str(held), source, day, job_id)
            return BatchResult(batch, HELD, reason=str(held))
    location.settle(batch, ARCHIVE)
    return BatchResult(batch, APPLIED, {t: c._asdict() for t, c in counts.items()})


class _Held(Exception):
    """Raised inside the import's transaction so that a suspicious batch is rolled back."""


def _settle_bad(
    location: DropLocation,
    batch: str,
    files: Path,
    status: str,
    reason: str,
    source: str,
    day: date,
    job_id: str | None,
) -> None:
    """Record the refusal and the alert, and move the batch aside with its reason."""
    with session_scope() as session:
        record_refusal(session, batch, status, reason, source, day, job_id)
    location.settle(batch, REJECTED, f"{status}: {reason}")


def record_refusal(
    session: Session,
    batch: str,
    status: str,
    reason: str,
    source: str,
    day: date,
    job_id: str | None,
) -> None:
    """The refused batch in ``ingests`` (which holds retraining) and its ``alert`` event."""
    from prospects.lifecycle.events import record_event

    session.add(
        Ingest(source=source[:500], mode="upsert", arrived_on=day, status=status,
               reason=reason[:2000], counts={}, changed=0)
    )  # fmt: skip
    record_event(
        session,
        config.model_name(),
        "alert",
        "feed",
        reason=f"feed batch {batch} {status}, retraining held back: {reason}",
        job_id=job_id,
    )


def ingest_in_session(
    session: Session, location: DropLocation, batch: str, day: date
) -> BatchResult:
    """One waiting batch, checked and imported inside the caller's own transaction.

    For a caller that already writes to the database (``callup simulate``
    delivering its week): a second session would wait on the first one's
    lock. The checks run before the import, so a held batch is never loaded
    and nothing needs rolling back; a batch with a problem in its files is
    rejected as in :func:`ingest_pending` (the import validates before writing).
    """
    source = batch_source(location, batch)
    with tempfile.TemporaryDirectory(prefix="callup-feed-") as tmp:
        files = Path(tmp)
        location.fetch(batch, files)
        try:
            reason = suspicious(session, files, day)
        except (ValueError, KeyError):
            reason = None  # unreadable: the import below names every problem
        status = HELD
        if reason is None:
            try:
                counts = import_csv(session, files, mode="upsert", arrived_on=day, source=source)
            except CsvValidationError as exc:
                status, reason = REJECTED_STATUS, f"{len(exc.errors)} problem(s): {exc.errors[0]}"
    if reason is not None:
        record_refusal(session, batch, status, reason, source, day, None)
        location.settle(batch, REJECTED, f"{status}: {reason}")
        return BatchResult(batch, status, reason=reason)
    location.settle(batch, ARCHIVE)
    return BatchResult(batch, APPLIED, {t: c._asdict() for t, c in counts.items()})


def batch_source(location: DropLocation, batch: str) -> str:
    """``ingests.source`` of a feed batch: the feed prefix, the location and the batch."""
    return f"{FEED_SOURCE}{location.describe().rstrip('/')}/{batch}"


def record_run(
    session: Session,
    location: DropLocation,
    results: list[BatchResult],
    *,
    trigger: str,
    job_id: str | None = None,
) -> None:
    """One ``ingest`` event per ingest run, so the job shows in the dashboard's event list and
    the models' history like the lifecycle's other work, not only when a batch raised an alert."""
    from prospects.lifecycle.events import record_event

    said = "; ".join(r.describe() for r in results)
    record_event(
        session,
        config.model_name(),
        "ingest",
        trigger,
        reason=f"feed ingest: {said or 'no batch waiting in ' + location.describe()}",
        metrics={"batches": {r.batch: r.status for r in results}},
        job_id=job_id,
    )


def feed_hold(session: Session) -> str | None:
    """Why retraining must wait (the newest feed batch was rejected or held), or None."""
    newest = session.scalars(
        select(Ingest).where(Ingest.source.startswith(FEED_SOURCE)).order_by(Ingest.id.desc())
    ).first()
    if newest is None or newest.status == APPLIED:
        return None
    return f"the feed's newest batch ({newest.source}) was {newest.status}: {newest.reason}"
