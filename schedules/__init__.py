"""The Beat schedule in one place: weekly retraining in season, daily monitoring, nightly rankings,
and a job sweep every minute.

``celery -A workers beat`` uses it (``beat_schedule`` and ``beat_scheduler`` in
``workers.celery_app``). When things run is ``schedules.calendar`` (pure,
unit-tested with ``due_between``); how only one Beat sends is
``schedules.beat.SingleBeatScheduler`` (a Redis leader lock).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prospects.jobrecords.thresholds import sweep_interval
from prospects.jobs import QUEUE_PREDICT, TASK_SWEEP_JOBS
from schedules.calendar import JOBS, SeasonCalendar, due_between

SCHEDULER = "schedules.beat:SingleBeatScheduler"
JOB_SWEEP = "jobs-sweep"


def beat_schedule(calendar: SeasonCalendar | None = None) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule`` mapping, one entry per calendar job."""
    from schedules.beat import CalendarSchedule

    cal = calendar or SeasonCalendar.from_env()
    entries: dict[str, dict[str, Any]] = {
        job.name: {
            "task": job.task,
            "schedule": CalendarSchedule(job.name, cal),
            "kwargs": dict(job.kwargs),
            "options": {"queue": job.queue, "routing_key": job.queue},
        }
        for job in JOBS
    }
    entries[JOB_SWEEP] = job_sweep_entry()
    return entries


def job_sweep_entry() -> dict[str, Any]:
    """Every ``CALLUP_JOB_SWEEP_SECONDS``, all year: re-send jobs stuck past their timeout."""
    return {
        "task": TASK_SWEEP_JOBS,
        "schedule": timedelta(seconds=sweep_interval()),
        "options": {"queue": QUEUE_PREDICT, "routing_key": QUEUE_PREDICT},
    }


__all__ = ["JOB_SWEEP", "SCHEDULER", "SeasonCalendar", "beat_schedule", "due_between"]
