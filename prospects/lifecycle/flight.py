"""Single-flight retraining: one Redis lock whose value is the job id that holds it.

Whoever enqueues a retraining (API, Beat, monitor, CLI) claims the lock with
the new job's id first; a second request finds the lock and gets that job id
back instead of a second training. The running task renews the expiry while it
works and deletes the lock when done, so a worker that dies mid-training frees
it within ``CALLUP_RETRAIN_LOCK_SECONDS``. The lock is ``prospects.locks``
(redis-py's ``Lock``, the job id as its token). Needs only ``redis``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from prospects import locks
from prospects.jobs import PREFIX
from prospects.lifecycle.thresholds import retrain_lock_seconds

log = logging.getLogger(__name__)
RETRAIN_LOCK_KEY = f"{PREFIX}:lock:retrain"


class SingleFlight:
    """A named lock held by one job id at a time, with an expiry its holder renews."""

    def __init__(self, client: redis.Redis, key: str = RETRAIN_LOCK_KEY, ttl: int | None = None):
        self.redis = client
        self.key = key
        self.ttl = ttl or retrain_lock_seconds()

    def claim(self, job_id: str) -> tuple[str, bool]:
        """(the job that holds the lock, whether it is ``job_id``'s new claim)."""
        for _ in range(3):  # the holder may release between SET NX and GET: try again
            if locks.take(self.redis, self.key, self.ttl, job_id):
                return job_id, True
            holder = self.holder()
            if holder is not None:
                return holder, holder == job_id
        raise redis.RedisError(f"could not claim or read {self.key}")

    def holder(self) -> str | None:
        """The job id holding the lock now, if any."""
        return locks.holder(self.redis, self.key)

    def renew(self, job_id: str) -> bool:
        """Push the expiry back; False when ``job_id`` no longer holds the lock."""
        return locks.renew(self.redis, self.key, self.ttl, job_id)

    def release(self, job_id: str) -> bool:
        """Free the lock if ``job_id`` holds it."""
        return locks.release(self.redis, self.key, job_id)

    @contextmanager
    def held(self, job_id: str) -> Iterator[None]:
        """Keep ``job_id``'s claim alive while the block runs, and free it afterwards."""
        stop = threading.Event()

        def renew_until_stopped() -> None:
            while not stop.wait(self.ttl / 3):
                try:
                    if not self.renew(job_id):
                        log.warning("lost the lock %s held by job %s", self.key, job_id)
                        return
                except redis.RedisError:
                    log.warning("could not renew %s; retrying", self.key)

        thread = threading.Thread(target=renew_until_stopped, name="flight-renew", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)
            try:
                self.release(job_id)
            except redis.RedisError:
                log.warning("could not release %s; it expires by itself", self.key)


def request_retrain(
    flight: SingleFlight, send: Callable[[str], None], job_id: str | None = None
) -> tuple[str, bool]:
    """Enqueue a retraining unless one is queued or running: (job id, whether it is new).

    ``send(job_id)`` publishes the task; if it fails the claim is dropped so a
    retry is not blocked by a job that never existed.
    """
    job_id = job_id or str(uuid.uuid4())
    holder, is_new = flight.claim(job_id)
    if not is_new:
        return holder, False
    try:
        send(job_id)
    except BaseException:
        try:
            flight.release(job_id)
        except redis.RedisError:
            pass
        raise
    return job_id, True
