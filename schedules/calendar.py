"""The season calendar and what it makes due: weekly retraining in season, daily monitoring,
nightly rankings in season. Pure: no Celery, no clock, so it is tested without a running Beat.

Everything happens at a local hour in the configured timezone (DST included):
the season is a range of local calendar days, inclusive at both ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prospects.jobs import (
    QUEUE_RANK,
    QUEUE_TRAIN,
    TASK_INGEST_FEED,
    TASK_MONITOR,
    TASK_RANK,
    TASK_RETRAIN,
    system_requester,
)

RETRAIN, MONITOR, RANKINGS = "retrain-weekly", "monitor-daily", "rankings-nightly"
INGEST = "feed-ingest"  # the week's data, one hour before each weekly retrain
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _month_day(name: str, default: str) -> tuple[int, int]:
    raw = os.environ.get(name) or default
    try:
        month, day = (int(part) for part in raw.split("-"))
        date(2000, month, day)  # a leap year: 02-29 is a valid season boundary
    except ValueError:
        raise ValueError(f"{name} must be MM-DD, got {raw!r}") from None
    return month, day


def _hour(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ValueError(f"{name} must be an hour 0-23, got {raw!r}")
    return int(raw)


def _weekday(name: str, default: str) -> int:
    raw = (os.environ.get(name) or default).strip().lower()
    if raw.isdigit() and 0 <= int(raw) <= 6:
        return int(raw)  # 0 = Monday, as in ``date.weekday()``
    if raw[:3] in _WEEKDAYS:
        return _WEEKDAYS.index(raw[:3])
    raise ValueError(f"{name} must be a weekday (mon..sun or 0-6, 0 = Monday), got {raw!r}")


@dataclass(frozen=True)
class SeasonCalendar:
    """When the lifecycle's jobs run; every field has an environment variable."""

    season_start: tuple[int, int] = (3, 20)  # CALLUP_SEASON_START, MM-DD, first day in season
    season_end: tuple[int, int] = (10, 5)  # CALLUP_SEASON_END, MM-DD, last day in season
    retrain_weekday: int = 0  # CALLUP_RETRAIN_WEEKDAY: mon..sun or 0-6 (0 = Monday)
    retrain_hour: int = 4  # CALLUP_RETRAIN_HOUR, local hour
    monitor_hour: int = 6  # CALLUP_MONITOR_HOUR, local hour, every day of the year
    rankings_hour: int = 2  # CALLUP_RANKINGS_HOUR, local hour, every night in season
    timezone: str = "America/New_York"  # CALLUP_TIMEZONE, an IANA zone
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", ZoneInfo(self.timezone))

    @classmethod
    def from_env(cls) -> SeasonCalendar:
        d = cls()
        return cls(
            season_start=_month_day("CALLUP_SEASON_START", "03-20"),
            season_end=_month_day("CALLUP_SEASON_END", "10-05"),
            retrain_weekday=_weekday("CALLUP_RETRAIN_WEEKDAY", _WEEKDAYS[d.retrain_weekday]),
            retrain_hour=_hour("CALLUP_RETRAIN_HOUR", d.retrain_hour),
            monitor_hour=_hour("CALLUP_MONITOR_HOUR", d.monitor_hour),
            rankings_hour=_hour("CALLUP_RANKINGS_HOUR", d.rankings_hour),
            timezone=os.environ.get("CALLUP_TIMEZONE") or d.timezone,
        )

    def in_season(self, day: date) -> bool:
        """Whether a local calendar day is in season (both boundary days included).

        A season that wraps the new year (start after end) is supported too.
        """
        key = (day.month, day.day)
        if self.season_start <= self.season_end:
            return self.season_start <= key <= self.season_end
        return key >= self.season_start or key <= self.season_end


@dataclass(frozen=True)
class Job:
    """One scheduled job: the task it sends, and on which local days at which hour."""

    name: str
    task: str
    queue: str
    kwargs: dict[str, object]

    def fires_on(self, cal: SeasonCalendar, day: date) -> bool:
        """Whether the job runs on this local day."""
        if self.name == RETRAIN:
            return cal.in_season(day) and day.weekday() == cal.retrain_weekday
        if self.name == INGEST:  # the day of the retrain it feeds (the day before at hour 0)
            retrain_day = day + timedelta(days=1) if cal.retrain_hour == 0 else day
            return JOB_BY_NAME[RETRAIN].fires_on(cal, retrain_day)
        if self.name == RANKINGS:
            return cal.in_season(day)
        return True

    def hour(self, cal: SeasonCalendar) -> int:
        """The local hour it runs at."""
        if self.name == INGEST:
            return (cal.retrain_hour - 1) % 24
        return {RETRAIN: cal.retrain_hour, RANKINGS: cal.rankings_hour}.get(
            self.name, cal.monitor_hour
        )


JOBS: tuple[Job, ...] = (
    Job(INGEST, TASK_INGEST_FEED, QUEUE_TRAIN, {"trigger": "beat"}),
    Job(RETRAIN, TASK_RETRAIN, QUEUE_TRAIN, {"trigger": "beat"}),
    Job(MONITOR, TASK_MONITOR, QUEUE_TRAIN, {"trigger": "beat"}),
    Job(RANKINGS, TASK_RANK, QUEUE_RANK, {"requested_by": system_requester("beat")}),
)
JOB_BY_NAME = {job.name: job for job in JOBS}


@dataclass(frozen=True, order=True)
class Due:
    """One firing: when (UTC), which job, which task."""

    at: datetime
    name: str
    task: str


def _utc(instant: datetime) -> datetime:
    """Naive instants are taken as UTC (Celery's default)."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def due_between(
    start: datetime, end: datetime, calendar: SeasonCalendar | None = None
) -> list[Due]:
    """Every firing in ``(start, end]``, in time order: what a Beat running then would send."""
    cal = calendar or SeasonCalendar.from_env()
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    first = start.astimezone(cal.tz).date() - timedelta(days=1)
    last = end.astimezone(cal.tz).date() + timedelta(days=1)
    found = []
    day = first
    while day <= last:
        for job in JOBS:
            if not job.fires_on(cal, day):
                continue
            at = datetime.combine(day, time(job.hour(cal)), tzinfo=cal.tz).astimezone(UTC)
            if start < at <= end:
                found.append(Due(at, job.name, job.task))
        day += timedelta(days=1)
    return sorted(found)


def next_due(job: str, after: datetime, calendar: SeasonCalendar | None = None) -> Due | None:
    """The job's next firing after ``after`` within a year (None: it never fires)."""
    cal = calendar or SeasonCalendar.from_env()
    window = _utc(after)
    for _ in range(53):  # a week at a time: out of season, the next retraining is months away
        nxt = [d for d in due_between(window, window + timedelta(days=7), cal) if d.name == job]
        if nxt:
            return nxt[0]
        window += timedelta(days=7)
    return None
