"""A bound on the threads that ``Prefer: wait`` may hold in one API process.

A waiting request parks a gthread thread on a Redis BLPOP for up to
``CALLUP_MAX_WAIT_SECONDS``; without a bound, one user's handful of waits
takes every thread and even ``/healthz`` queues behind them. Each process
admits at most ``CALLUP_MAX_WAITERS`` waits in all and
``CALLUP_MAX_WAITERS_PER_USER`` per user; a request over either is answered
at once as if it had not asked to wait (a 202 to poll). Counted in process,
not in Redis: the threads being protected are this process's, and a count
in memory cannot leak when a process dies.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app


class WaiterSlots:
    """Counts of waits in progress, in all and per user, with their caps."""

    def __init__(self, total: int, per_user: int):
        self.total = total
        self.per_user = per_user
        self._by_user: Counter[str] = Counter()
        self._lock = threading.Lock()

    def in_use(self, user: str | None = None) -> int:
        """Waits in progress, for ``user`` or in all."""
        with self._lock:
            return self._by_user[user] if user is not None else sum(self._by_user.values())

    @contextmanager
    def slot(self, user: str) -> Iterator[bool]:
        """Yield True with a slot held for the block, or False when either cap is reached."""
        with self._lock:
            admitted = (
                sum(self._by_user.values()) < self.total and self._by_user[user] < self.per_user
            )
            if admitted:
                self._by_user[user] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._by_user[user] -= 1
                    if self._by_user[user] <= 0:
                        del self._by_user[user]


def init_waiters(app: Flask) -> None:
    """Give the app its own slots (tests build several apps in one process)."""
    app.extensions["callup.waiters"] = WaiterSlots(
        int(app.config["CALLUP_MAX_WAITERS"]), int(app.config["CALLUP_MAX_WAITERS_PER_USER"])
    )


def waiter_slots() -> WaiterSlots:
    """This app's slots."""
    return current_app.extensions["callup.waiters"]
