"""Rate limiters that count and read their window in one Redis round trip.

flask-limiter's fixed window costs three round trips per limited request:
the increment, then the count and the TTL again for the ``X-RateLimit-*``
headers; its moving window two (the entry, then the window for the headers).
Here one Lua script does the hit and returns the window as it left it; the
figures are kept for the rest of the request, so the headers read no storage
at all. Same keys, same semantics as ``limits``' own strategies, so either can
replace them under a running deployment.
"""

from __future__ import annotations

import time

from flask import g, has_request_context
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.util import WindowStats

_INCR_EXPIRE_TTL = """
local current = redis.call('incrby', KEYS[1], ARGV[2])
if current == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {current, redis.call('ttl', KEYS[1])}
"""


# limits' acquire_moving_window.lua and moving_window.lua in one script: the entry (if the
# window has room), then the window as it stands (its oldest entry and how many it holds).
_ACQUIRE_AND_READ_MOVING_WINDOW = """
local timestamp = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local acquired = 0
if amount <= limit then
    local entry = redis.call('lindex', KEYS[1], limit - amount)
    if not (entry and tonumber(entry) >= timestamp - expiry) then
        for i = 1, amount do
            redis.call('lpush', KEYS[1], timestamp)
        end
        redis.call('ltrim', KEYS[1], 0, limit - 1)
        redis.call('expire', KEYS[1], expiry)
        acquired = 1
    end
end
local target = timestamp - expiry
local low, high, oldest = 0, limit - 1, nil
while low <= high do
    local mid = math.floor((low + high) / 2)
    local value = tonumber(redis.call('lindex', KEYS[1], mid))
    if value and value >= target then
        oldest = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if oldest then
    return {acquired, tostring(redis.call('lindex', KEYS[1], oldest)), oldest + 1}
end
return {acquired, tostring(timestamp), 0}
"""


def _remember(key: str, stats: WindowStats) -> None:
    """Keep the window a hit saw for the rest of this request (the headers read it)."""
    if has_request_context():
        g.setdefault("callup_rate_windows", {})[key] = stats


def _remembered(key: str) -> WindowStats | None:
    return (g.get("callup_rate_windows") or {}).get(key) if has_request_context() else None


class CountingFixedWindow(FixedWindowRateLimiter):
    """``FixedWindowRateLimiter`` whose ``hit`` remembers the window it saw, for this request."""

    def __init__(self, storage: RedisStorage):
        super().__init__(storage)
        self._script = storage.get_connection().register_script(_INCR_EXPIRE_TTL)
        self._prefixed = storage.prefixed_key

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        count, ttl = self._script([self._prefixed(key)], [item.get_expiry(), cost])
        _remember(key, WindowStats(time.time() + max(int(ttl), 0), max(0, item.amount - count)))
        return int(count) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window as this request's hit left it; the storage's view for anything else."""
        stats = _remembered(item.key_for(*identifiers))
        return stats if stats is not None else super().get_window_stats(item, *identifiers)


class CountingMovingWindow(MovingWindowRateLimiter):
    """``MovingWindowRateLimiter`` whose ``hit`` also reads the window, in one round trip."""

    def __init__(self, storage: RedisStorage):
        super().__init__(storage)
        self._script = storage.get_connection().register_script(_ACQUIRE_AND_READ_MOVING_WINDOW)
        self._prefixed = storage.prefixed_key

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        expiry = item.get_expiry()
        acquired, oldest, count = self._script(
            [self._prefixed(key)], [time.time(), item.amount, expiry, cost]
        )
        _remember(key, WindowStats(float(oldest) + expiry, item.amount - int(count)))
        return bool(acquired)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window as this request's hit left it; the storage's view for anything else."""
        stats = _remembered(item.key_for(*identifiers))
        return stats if stats is not None else super().get_window_stats(item, *identifiers)
