"""Celery Beat glue: a schedule that asks the season calendar, and one Beat at a time.

Only one Beat may send: ``SingleBeatScheduler`` sends only while it holds a
Redis lock (``callup:beat:leader``, expiry ``CALLUP_BEAT_LOCK_SECONDS``,
default 30) that it renews on every tick. A second Beat is a hot standby: it
ticks, finds the lock taken and sends nothing; if the leader dies, its lock
expires and the standby takes over. Each send stores the entry's last run in
Redis, and a new leader adopts those times, so a takeover neither repeats a
run the old leader made nor forgets one that is due.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import BaseSchedule, schedstate

from prospects import config, locks
from prospects.jobs import PREFIX
from schedules.calendar import SeasonCalendar, due_between, next_due

log = logging.getLogger(__name__)
LEADER_KEY = f"{PREFIX}:beat:leader"
LAST_RUN_KEY = f"{PREFIX}:beat:last_run"
MAX_CHECK_SECONDS = 3600.0
HEARTBEAT_FILE = "beat-heartbeat"  # under $CALLUP_VAR_DIR; its age is Beat's health check


def heartbeat_path() -> Path:
    """The file every tick touches, leader or standby (``python -m schedules.health``)."""
    return config.var_dir() / HEARTBEAT_FILE


def beat_alive() -> None:
    """Touch the heartbeat file; a full disk must not stop the schedule."""
    try:
        heartbeat_path().touch()
    except OSError:
        log.warning("beat: could not touch %s", heartbeat_path())


class CalendarSchedule(BaseSchedule):
    """A Beat schedule for one calendar job: due when the calendar fired since the last run."""

    def __init__(self, job: str, calendar: SeasonCalendar | None = None, **kwargs: Any):
        self.job = job
        self.calendar = calendar or SeasonCalendar.from_env()
        super().__init__(**kwargs)

    def _now(self) -> datetime:
        return self.maybe_make_aware(self.now())

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        nxt = next_due(self.job, self.maybe_make_aware(last_run_at), self.calendar)
        if nxt is None:
            return timedelta(seconds=MAX_CHECK_SECONDS)
        return nxt.at - self._now()

    def is_due(self, last_run_at: datetime) -> schedstate:
        now = self._now()
        fired = any(
            d.name == self.job
            for d in due_between(self.maybe_make_aware(last_run_at), now, self.calendar)
        )
        nxt = next_due(self.job, now, self.calendar)
        wait = (nxt.at - now).total_seconds() if nxt else MAX_CHECK_SECONDS
        return schedstate(fired, max(1.0, min(wait, MAX_CHECK_SECONDS)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.job, self.calendar))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CalendarSchedule):
            return (self.job, self.calendar) == (other.job, other.calendar)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.job, self.calendar))

    def __repr__(self) -> str:
        return f"<CalendarSchedule {self.job} ({self.calendar.timezone})>"


def lock_seconds() -> float:
    """``$CALLUP_BEAT_LOCK_SECONDS``: how long a silent leader keeps the lock."""
    raw = os.environ.get("CALLUP_BEAT_LOCK_SECONDS") or "30"
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"CALLUP_BEAT_LOCK_SECONDS must be a number, got {raw!r}") from None
    if value < 1:
        raise ValueError("CALLUP_BEAT_LOCK_SECONDS must be at least 1")
    return value


class SingleBeatScheduler(Scheduler):
    """An in-memory scheduler that sends only while it holds the Beat leader lock."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lock_ttl = lock_seconds()
        self.leading = False
        self._client: redis.Redis | None = None
        super().__init__(*args, **kwargs)
        # Tick at least three times per lock lifetime, so the leader never lets it lapse.
        self.max_interval = min(self.max_interval, self.lock_ttl / 3)

    @property
    def redis(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(
                self.app.conf.broker_url, socket_timeout=3, socket_connect_timeout=3
            )
        return self._client

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due, but only while this Beat leads; else wait and try to lead."""
        beat_alive()
        try:
            leading = self._lead()
        except redis.RedisError as exc:
            if self.leading:
                log.warning("beat: lost contact with Redis (%s); standing by", exc)
            self.leading = False
            return self.lock_ttl / 3
        if not leading:
            return self.lock_ttl / 3
        return super().tick(*args, **kwargs)

    def _lead(self) -> bool:
        """Renew the lock if ours; take it if free. True while this Beat is the leader."""
        if self.leading:
            if locks.renew(self.redis, LEADER_KEY, self.lock_ttl, self.token):
                return True
            log.warning("beat: another Beat holds the lock now; standing by")
            self.leading = False
        if locks.take(self.redis, LEADER_KEY, self.lock_ttl, self.token):
            log.info("beat: %s is the leader", self.token)
            self.leading = True
            self._adopt_last_runs()
            return True
        return False

    def _adopt_last_runs(self) -> None:
        """Take over the times of the last runs, so nothing sent is sent again."""
        stored = self.redis.hgetall(LAST_RUN_KEY)
        for name, entry in self.schedule.items():
            raw = stored.get(name.encode())
            if raw:
                entry.last_run_at = datetime.fromisoformat(raw.decode())
        self._heap = None  # rebuilt from the adopted times on this tick

    def reserve(self, entry: ScheduleEntry) -> ScheduleEntry:
        """Advance the entry and store its last run where a successor Beat finds it."""
        new_entry = super().reserve(entry)
        try:
            self.redis.hset(LAST_RUN_KEY, entry.name, new_entry.last_run_at.isoformat())
        except redis.RedisError:
            log.warning("beat: could not store the last run of %s", entry.name)
        return new_entry

    def close(self) -> None:
        """Hand the lock over at once on a clean shutdown."""
        if self.leading:
            try:
                locks.release(self.redis, LEADER_KEY, self.token)
            except redis.RedisError:
                pass  # it expires by itself
            self.leading = False
        super().close()
