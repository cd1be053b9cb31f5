"""Forcing a held batch in: a person's explicit, recorded decision, never a silent bypass.

A held batch waits in ``rejected/``. Someone who has looked at it and wants
it loaded anyway (the vendor confirmed the back-dated reports, or a drill
that needs a degraded model, as the lifecycle tests do) runs ``callup
ingest-feed --accept-held BATCH --by NAME``. Only the suspicion checks are
skipped: the files are still validated and upserted with the feed's code.
The import is recorded in ``ingests`` (its source says who forced it), an
``ingest`` model event names the person and why the batch had been held, and
the batch moves to ``archive/`` with that note. Being an applied feed batch,
it lifts the retraining hold: the person has taken responsibility for it.

Forced in, the rows still arrive on the day they are forced in, so features
as of any earlier day never see them. ``backfill`` (``--backfill``) instead
takes the batch's own dates as its arrival days, as ``import-csv --backfill``
does for history: believing a back-dated batch that way is the leak itself,
which is what a drill of the monitor's rollback needs, and the event says so.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from prospects import config
from prospects.csvio import import_csv
from prospects.db.session import session_scope
from prospects.feed.ingest import APPLIED, BatchResult, batch_source
from prospects.feed.location import ARCHIVE, REASON_FILE, REJECTED, DropLocation

PROBLEMS_FILE = "problems.csv"  # written beside a rejected batch; not part of the batch


def accept_held(
    location: DropLocation,
    batch: str,
    *,
    by: str,
    trigger: str = "cli",
    arrived_on: date | None = None,
    backfill: bool = False,
    job_id: str | None = None,
) -> BatchResult:
    """Import the set-aside ``batch`` on ``by``'s word; raise ValueError if there is no such
    batch or no name, CsvValidationError (nothing loaded, batch left where it is) if its files
    have problems."""
    from prospects.lifecycle.events import record_event

    who = by.strip()[:80]
    if not who:
        raise ValueError("say who forces the batch in (--by NAME)")
    if batch not in location.held():
        raise ValueError(f"no held or rejected batch {batch!r} in {location.describe()}")
    day = arrived_on or datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="callup-accept-") as tmp:
        files = Path(tmp)
        location.fetch(batch, files, where=REJECTED)
        note = files / REASON_FILE
        why = note.read_text(encoding="utf-8").strip() if note.is_file() else "no reason kept"
        for name in (REASON_FILE, PROBLEMS_FILE):
            (files / name).unlink(missing_ok=True)
        with session_scope() as session:
            source = f"{batch_source(location, batch)} (forced by {who})"
            counts = import_csv(
                session, files, mode="upsert", arrived_on=day, backfill=backfill, source=source
            )
            dated = " as history (arriving at their own dates)" if backfill else ""
            record_event(
                session,
                config.model_name(),
                "ingest",
                trigger,
                reason=f"feed batch {batch} forced in{dated} by {who} over its hold ({why})",
                metrics={
                    "batch": batch,
                    "backfill": backfill,
                    "counts": {t: c._asdict() for t, c in counts.items()},
                },
                job_id=job_id,
                actor=who,
            )
    location.settle(batch, ARCHIVE, f"forced in by {who} on {day}; it had been {why}", REJECTED)
    return BatchResult(batch, APPLIED, {t: c._asdict() for t, c in counts.items()})
