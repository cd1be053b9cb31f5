"""The Beat schedule: the season calendar as a pure function, and only one Beat sending."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import redis

from schedules import JOB_SWEEP
from schedules.beat import LAST_RUN_KEY, LEADER_KEY, CalendarSchedule, SingleBeatScheduler
from schedules.calendar import INGEST, MONITOR, RANKINGS, RETRAIN, SeasonCalendar, due_between

NY = SeasonCalendar()  # the defaults: Mar 20 - Oct 5, Mondays 04:00, America/New_York


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def names(due) -> list[tuple[str, datetime]]:
    return [(d.name, d.at) for d in due]


def test_in_season_week_retrains_once_ranks_nightly_and_monitors_daily():
    due = due_between(utc(2026, 6, 14, 12), utc(2026, 6, 21, 12), NY)  # Sunday to Sunday

    assert [d for d in names(due) if d[0] == RETRAIN] == [(RETRAIN, utc(2026, 6, 15, 8))]
    assert sum(d.name == RANKINGS for d in due) == 7
    assert sum(d.name == MONITOR for d in due) == 7
    assert due == sorted(due)


def test_out_of_season_only_the_monitor_runs():
    due = due_between(utc(2026, 12, 1), utc(2027, 1, 31), NY)

    assert {d.name for d in due} == {MONITOR}
    assert len(due) == 61


@pytest.mark.parametrize(
    ("calendar", "day", "fires"),
    [
        (SeasonCalendar(retrain_weekday=4), (2026, 3, 20), True),  # first day, a Friday
        (SeasonCalendar(retrain_weekday=3), (2026, 3, 19), False),  # the day before
        (SeasonCalendar(retrain_weekday=0), (2026, 10, 5), True),  # last day, a Monday
        (SeasonCalendar(retrain_weekday=1), (2026, 10, 6), False),  # the day after
    ],
)
def test_season_boundaries_are_inclusive(calendar, day, fires):
    start = datetime(*day, tzinfo=calendar.tz)
    due = due_between(start, start + timedelta(days=1), calendar)

    assert any(d.name == RETRAIN for d in due) is fires
    assert any(d.name == RANKINGS for d in due) is fires


def test_hours_are_local_to_the_configured_timezone():
    tokyo = SeasonCalendar(timezone="Asia/Tokyo")
    window = (utc(2026, 6, 13), utc(2026, 6, 16))

    [ny_retrain] = [d for d in due_between(*window, NY) if d.name == RETRAIN]
    [tokyo_retrain] = [d for d in due_between(*window, tokyo) if d.name == RETRAIN]

    assert ny_retrain.at == utc(2026, 6, 15, 8)  # 04:00 EDT
    assert tokyo_retrain.at == utc(2026, 6, 14, 19)  # 04:00 JST on Monday


def test_daylight_saving_moves_the_utc_instant_not_the_local_hour():
    summer = [d.at for d in due_between(utc(2026, 7, 1), utc(2026, 7, 2), NY) if d.name == MONITOR]
    winter = [
        d.at for d in due_between(utc(2026, 12, 1), utc(2026, 12, 2), NY) if d.name == MONITOR
    ]

    assert summer == [utc(2026, 7, 1, 10)]  # 06:00 EDT
    assert winter == [utc(2026, 12, 1, 11)]  # 06:00 EST


def test_window_is_half_open_and_naive_instants_are_utc():
    at = utc(2026, 6, 15, 8)

    assert RETRAIN in {d.name for d in due_between(at - timedelta(seconds=1), at, NY)}
    assert RETRAIN not in {d.name for d in due_between(at, at + timedelta(hours=1), NY)}
    naive = due_between(datetime(2026, 6, 15, 7), datetime(2026, 6, 15, 9), NY)
    assert [d.name for d in naive] == [RETRAIN]


def test_calendar_from_the_environment(monkeypatch):
    monkeypatch.setenv("CALLUP_SEASON_START", "04-01")
    monkeypatch.setenv("CALLUP_SEASON_END", "09-30")
    monkeypatch.setenv("CALLUP_RETRAIN_WEEKDAY", "wed")
    monkeypatch.setenv("CALLUP_RETRAIN_HOUR", "3")
    monkeypatch.setenv("CALLUP_TIMEZONE", "UTC")

    cal = SeasonCalendar.from_env()

    assert (cal.season_start, cal.season_end, cal.retrain_weekday) == ((4, 1), (9, 30), 2)
    due = due_between(utc(2026, 3, 24), utc(2026, 4, 9), cal)
    assert [d.at for d in due if d.name == RETRAIN] == [utc(2026, 4, 1, 3), utc(2026, 4, 8, 3)]
    monkeypatch.setenv("CALLUP_SEASON_START", "13-01")
    with pytest.raises(ValueError, match="CALLUP_SEASON_START"):
        SeasonCalendar.from_env()


def test_beat_uses_the_calendar_and_the_single_beat_scheduler():
    from workers.celery_app import celery_app

    assert celery_app.conf.beat_scheduler == "schedules.beat:SingleBeatScheduler"
    schedule = celery_app.conf.beat_schedule
    assert set(schedule) == {INGEST, RETRAIN, MONITOR, RANKINGS, JOB_SWEEP}
    assert schedule[INGEST]["task"] == "callup.ingest_feed"
    assert schedule[INGEST]["options"]["queue"] == "train"
    assert schedule[JOB_SWEEP]["task"] == "callup.sweep_jobs"
    assert schedule[JOB_SWEEP]["schedule"] == timedelta(seconds=60)
    assert schedule[RETRAIN]["task"] == "callup.retrain"
    assert schedule[RETRAIN]["options"]["queue"] == "train"
    assert isinstance(schedule[MONITOR]["schedule"], CalendarSchedule)


def test_calendar_schedule_is_due_once_its_hour_has_passed():
    now = utc(2026, 6, 15, 8, 0, 30)
    entry = CalendarSchedule(RETRAIN, NY, nowfun=lambda: now)

    due, _ = entry.is_due(utc(2026, 6, 15, 7, 59))
    not_due, wait = entry.is_due(utc(2026, 6, 15, 8, 0, 10))

    assert due and not not_due
    assert 0 < wait <= 3600


@pytest.fixture
def beat_redis(monkeypatch, redis_url):
    client = redis.Redis.from_url(redis_url)
    monkeypatch.setenv("CALLUP_BEAT_LOCK_SECONDS", "2")
    yield redis_url, client
    client.close()


def _beat(url: str, sent: list[str], label: str) -> SingleBeatScheduler:
    from workers.celery_app import make_celery

    app = make_celery(url)
    app.conf.beat_schedule = {
        "probe": {"task": "callup.test.probe", "schedule": 1.0, "options": {"queue": "probe"}}
    }

    class Recording(SingleBeatScheduler):
        def apply_async(self, entry, producer=None, advance=True, **kwargs):
            sent.append(label)
            return super().apply_async(entry, producer=producer, advance=advance, **kwargs)

    return Recording(app=app)


def _run(beats: list[SingleBeatScheduler], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for beat in beats:
            beat.tick()
        time.sleep(0.05)


def test_a_second_beat_does_not_double_fire_and_takes_over_when_the_first_dies(beat_redis):
    url, client = beat_redis
    sent: list[str] = []
    first, second = _beat(url, sent, "first"), _beat(url, sent, "second")

    _run([first, second], 3.2)

    assert first.leading and not second.leading
    assert 2 <= sent.count("first") <= 4 and sent.count("second") == 0
    assert client.llen("probe") == len(sent)
    assert client.get(LEADER_KEY).decode() == first.token

    handed_over = len(sent)
    _run([second], 3.5)  # the leader dies without a word: its lock expires after 2 s

    assert second.leading and client.get(LEADER_KEY).decode() == second.token
    assert 1 <= sent.count("second") <= 3  # the 1 s rhythm resumes; no burst of catch-up sends
    assert client.llen("probe") == len(sent) > handed_over
    assert client.hget(LAST_RUN_KEY, "probe") is not None
    second.close()
    assert client.get(LEADER_KEY) is None


def test_the_feed_is_ingested_an_hour_before_every_weekly_retrain():
    due = due_between(utc(2026, 6, 14), utc(2026, 6, 29), NY)
    retrains = [d.at for d in due if d.name == RETRAIN]
    ingests = [d.at for d in due if d.name == INGEST]
    assert retrains == [utc(2026, 6, 15, 8), utc(2026, 6, 22, 8)]
    assert ingests == [at - timedelta(hours=1) for at in retrains]
    order = [d.name for d in due if d.name in (INGEST, RETRAIN)]
    assert order == [INGEST, RETRAIN, INGEST, RETRAIN]


def test_a_midnight_retrain_has_its_feed_ingested_the_evening_before():
    midnight = SeasonCalendar(retrain_hour=0)
    due = due_between(utc(2026, 6, 13), utc(2026, 6, 16), midnight)
    [retrain] = [d.at for d in due if d.name == RETRAIN]
    [ingest] = [d.at for d in due if d.name == INGEST]
    assert retrain - ingest == timedelta(hours=1)


def test_out_of_season_the_feed_is_not_ingested():
    due = due_between(utc(2026, 12, 1), utc(2026, 12, 31), NY)
    assert INGEST not in {d.name for d in due}


def test_every_tick_proves_beat_alive_to_its_health_check(beat_redis, tmp_path, monkeypatch):
    from schedules import health

    monkeypatch.setenv("CALLUP_VAR_DIR", str(tmp_path))
    url, _ = beat_redis
    beat = _beat(url, [], "first")
    assert health.main([]) == 1  # never ticked

    beat.tick()

    assert health.main([]) == 0
    assert health.main(["--max-age", "-1"]) == 1  # as if the last tick were too long ago
    beat.close()
