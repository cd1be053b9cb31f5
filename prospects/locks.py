"""The one Redis lock every holder uses: redis-py's ``Lock``, with the holder's own token.

Three places hold a lock with an expiry: the job sweeper (one sweep at a
time), Beat's leader (one Beat sends), and single-flight retraining (the lock's
value is the job id, so a second request learns which job holds it). Each
needs the same guarantees: take it only if free, renew or free it only while
the value is still ours. redis-py's ``Lock`` gives exactly that with its own
Lua scripts; here the token is chosen by the holder (a job id, a Beat's name)
instead of a random one, so another process holding the same token — the
worker that runs a retraining the API claimed — can renew and free it.
"""

from __future__ import annotations

import redis
from redis.exceptions import LockError
from redis.lock import Lock


def token_lock(client: redis.Redis, key: str, ttl: float, token: str) -> Lock:
    """A lock on ``key`` for ``token``, expiring ``ttl`` seconds after it is taken or renewed.

    Not thread-local: a holder renews from a thread of its own.
    """
    lock = Lock(client, key, timeout=ttl, thread_local=False)
    lock.local.token = token.encode()
    return lock


def take(client: redis.Redis, key: str, ttl: float, token: str) -> bool:
    """Take the lock for ``token`` if nobody holds it; never waits."""
    return bool(token_lock(client, key, ttl, token).acquire(blocking=False, token=token))


def renew(client: redis.Redis, key: str, ttl: float, token: str) -> bool:
    """Push the expiry back to ``ttl``; False when ``token`` no longer holds the lock."""
    try:
        return bool(token_lock(client, key, ttl, token).reacquire())
    except LockError:
        return False


def release(client: redis.Redis, key: str, token: str) -> bool:
    """Free the lock if ``token`` holds it; False (and nothing freed) otherwise."""
    try:
        token_lock(client, key, 1, token).release()
    except LockError:
        return False
    return True


def holder(client: redis.Redis, key: str) -> str | None:
    """The token holding the lock now, if any."""
    raw = client.get(key)
    return raw.decode() if raw else None
