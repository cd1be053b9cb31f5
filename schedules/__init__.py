"""The Beat schedule in one place: weekly retraining in season, daily monitoring, nightly rankings.

``celery -A workers beat`` uses it (``beat_schedule`` and ``beat_scheduler`` in
``workers.celery_app``). When things run is ``schedules.calendar`` (pure,
unit-tested with ``due_between``); how only one Beat sends is
``schedules.beat.SingleBeatScheduler`` (a Redis leader lock).
"""

from __future__ import annotations

from typing import Any

from schedules.calendar import JOBS, SeasonCalendar, due_between

SCHEDULER = "schedules.beat:SingleBeatScheduler"


def beat_schedule(calendar: SeasonCalendar | None = None) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule`` mapping, one entry per calendar job."""
    from schedules.beat import CalendarSchedule

    cal = calendar or SeasonCalendar.from_env()
    return {
        job.name: {
            "task": job.task,
            "schedule": CalendarSchedule(job.name, cal),
            "kwargs": dict(job.kwargs),
            "options": {"queue": job.queue, "routing_key": job.queue},
        }
        for job in JOBS
    }


__all__ = ["SCHEDULER", "SeasonCalendar", "beat_schedule", "due_between"]
