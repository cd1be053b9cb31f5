"""``callup rank``: start a ranking on the running workers, draw its progress, print the top.

Talks to the workers the way the API does — the job's row through ``accept``,
then a task sent by name — so the job is visible in ``GET /api/ml/jobs/<id>``
too, and its progress is read from that row.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

BAR_WIDTH = 30
POLL_SECONDS = 0.2
QUEUED_HINT_SECONDS = 10.0
MIN_RATE_SECONDS = 0.5  # below this a rate is noise


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@dataclass
class ProgressLine:
    """One terminal line: bar, done/total, rate and time left.

    The rate counts from the first report seen (rows done before it, e.g. when
    following a job already under way, are not credited to the time since).
    """

    width: int = BAR_WIDTH
    _first: tuple[int, float] | None = None

    def render(self, done: int, total: int, now: float) -> str:
        if self._first is None:
            self._first = (done, now)
        first_done, first_at = self._first
        elapsed = now - first_at
        rate = (done - first_done) / elapsed if elapsed >= MIN_RATE_SECONDS else None
        left = (total - done) / rate if rate else None
        share = done / total if total else 1.0
        filled = int(round(share * self.width))
        return (
            f"ranking [{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} "
            f"{share:4.0%}  {f'{rate:,.0f}' if rate is not None else '--'}/s  "
            f"ETA {_clock(left) if left is not None else '--:--'}  elapsed {_clock(elapsed)}"
        )


def start_job(
    filters: dict[str, Any],
    as_of: date | None,
    model_version: int | None,
    chunk_size: int | None,
    user: str,
) -> str:
    """Accept the job (its durable row, then the coordinator's message); its id.

    The same ``accept`` the API uses: the row is committed first, so a ranking
    the console started survives Redis losing its message (the sweeper sends
    it again), and a send that fails leaves no job behind.
    """
    from prospects.jobrecords.accept import accept
    from prospects.jobs import QUEUE_RANK, TASK_RANK
    from workers.celery_app import make_celery

    job_id = str(uuid.uuid4())
    params: dict[str, Any] = {"filters": filters}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    if model_version is not None:
        params["model_version"] = model_version
    kwargs = {**params, "requested_by": user, "chunk_size": chunk_size}
    celery = make_celery()

    def send() -> None:
        celery.send_task(TASK_RANK, kwargs=kwargs, task_id=job_id, queue=QUEUE_RANK)

    accept(job_id, "rank", user, kwargs, send)
    return job_id


def _row_view(job_id: str) -> dict[str, Any]:
    """The job's row as a poll shows it (``{status, result?, error?, progress?}``)."""
    from prospects.db.session import session_scope
    from prospects.jobrecords import records

    with session_scope() as session:
        job = records.get(session, job_id)
        return records.public_view(job) if job is not None else {"status": records.QUEUED}


def follow(
    job_id: str,
    draw: Callable[[str], None],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll the job's row until it ends, drawing progress; its result, or RuntimeError with why."""
    started = clock()
    line = ProgressLine()
    hinted = False
    while clock() - started < timeout:
        view = _row_view(job_id)
        if view["status"] == "succeeded":
            return view["result"]
        if view["status"] == "failed":
            raise RuntimeError(str(view["error"]["message"]))
        progress = view.get("progress")
        if progress is not None:
            draw(line.render(int(progress["done"]), int(progress["total"]), clock()))
        elif view["status"] == "queued" and not hinted and clock() - started > QUEUED_HINT_SECONDS:
            draw("still queued: is a worker consuming the 'rank' queue?")
            hinted = True
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"gave up after {timeout:.0f} s; the job ({job_id}) goes on")


def top_table(ranking_id: int, n: int) -> list[str]:
    """The first ``n`` rows of a snapshot as aligned text lines."""
    from prospects.db.session import session_scope
    from prospects.ranking.filters import RankingFilters
    from prospects.ranking.queries import entries_page

    with session_scope() as session:
        rows, _ = entries_page(session, ranking_id, RankingFilters(), "rank", 1, n)
    lines = [
        f"{'rank':>4}  {'prob':>6}  {'conf':<6}  {'name':<24} {'org':<3} {'pos':<3} "
        f"{'lvl':<3} {'age':>5}  {'interval':<13}  strongest factor"
    ]
    for row in rows:
        span = row["interval"]
        lines.append(
            f"{row['rank']:>4}  {row['probability']:>6.1%}  {row['confidence']:<6}  "
            f"{row['name'][:24]:<24} {row['organization']:<3} {row['position']:<3} "
            f"{row['level'] or '-':<3} {row['age']:>5.1f}  "
            + (f"{span['low']:>5.1%}-{span['high']:<6.1%}  " if span else f"{'-':<13}  ")
            + (
                (row["top_group"] or "-")
                if row["eligible"]
                else f"not a prospect: {row['ineligible_reason'].replace('_', ' ')}"
            )
        )
    return lines


def run(
    filters: dict[str, Any],
    as_of: date | None,
    model_version: int | None,
    chunk_size: int | None,
    top: int,
    timeout: float,
    user: str,
    out: Callable[[str], None],
    status: Callable[[str, bool], None],
) -> dict[str, Any]:
    """Validate, start, follow and summarise a ranking (``status(text, same_line)`` → stderr).

    Raises ValueError for bad filters and RuntimeError when the job fails.
    """
    from prospects.ranking.filters import RankingFilters

    canonical = RankingFilters.from_dict(filters).as_dict()
    job_id = start_job(canonical, as_of, model_version, chunk_size, user)
    status(f"job {job_id} queued", False)
    width = [0]

    def draw(text: str) -> None:
        status("\r" + text.ljust(width[0]), True)
        width[0] = max(width[0], len(text))

    try:
        result = follow(job_id, draw, timeout)
    finally:
        status("", False)
    model = result["model"]
    out(
        f"ranking {result['ranking_id']}: {result['total']:,} prospects as of {result['as_of']}, "
        f"{model['name']} v{model['version']} ({model['variant']})"
        + (" - reused a finished snapshot" if result.get("reused") else "")
    )
    excluded = result.get("excluded") or {}
    if excluded.get("total"):
        reasons = ", ".join(
            f"{n:,} {reason.replace('_', ' ')}" for reason, n in excluded["by_reason"].items()
        )
        verb = "flagged" if canonical.get("eligibility") == "all" else "left out"
        out(f"not prospects ({verb}): {excluded['total']:,} — {reasons}")
    for line in top_table(result["ranking_id"], top):
        out(line)
    return result
