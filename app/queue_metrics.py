"""Queue depth and jobs by queue and state, read from Redis when Prometheus scrapes.

Read at scrape time rather than counted: every API process then reports the
same numbers, and they stay right across restarts. Celery's Redis transport
keeps waiting messages in a list named after the queue, and (with late acks)
a delivered message in the ``unacked`` hash until its task has finished, so
``queued`` is the list's length and ``reserved`` the unacked messages routed
to that queue: running, or prefetched by a worker.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from prospects.jobs import QUEUE_PREDICT, QUEUE_RANK, QUEUE_TRAIN

log = logging.getLogger(__name__)

QUEUES = (QUEUE_PREDICT, QUEUE_RANK, QUEUE_TRAIN)
UNACKED_KEY = "unacked"  # kombu's Redis transport default (``unacked_key``)
MAX_UNACKED_READ = 10_000  # bound a scrape's cost if something piled up in the hash


class QueueCollector(Collector):
    """LLEN per queue and the unacked messages per queue, in one Redis round trip."""

    def __init__(self, client: redis.Redis, queues: Sequence[str] = QUEUES):
        self.client = client
        self.queues = tuple(queues)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("callup_redis_up", "Whether the scrape could read Redis (1) or not.")
        depth = GaugeMetricFamily(
            "callup_queue_depth", "Messages waiting in each Celery queue (LLEN).", labels=["queue"]
        )
        jobs = GaugeMetricFamily(
            "callup_jobs",
            "Jobs by queue and state: queued (waiting) or reserved (delivered, not yet finished).",
            labels=["queue", "state"],
        )
        try:
            lengths, reserved = self._read()
        except redis.RedisError as exc:
            log.warning("metrics: cannot read queue depth from Redis: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for queue, length in zip(self.queues, lengths, strict=True):
            depth.add_metric([queue], length)
            jobs.add_metric([queue, "queued"], length)
            jobs.add_metric([queue, "reserved"], reserved.get(queue, 0))
        yield up
        yield depth
        yield jobs

    def _read(self) -> tuple[list[int], dict[str, int]]:
        pipe = self.client.pipeline(transaction=False)
        for queue in self.queues:
            pipe.llen(queue)
        pipe.hlen(UNACKED_KEY)
        *lengths, unacked = pipe.execute()
        values = self.client.hvals(UNACKED_KEY) if 0 < unacked <= MAX_UNACKED_READ else []
        return [int(n) for n in lengths], _count_by_queue(values)


def _count_by_queue(values: list[bytes]) -> dict[str, int]:
    """kombu stores each unacked message as ``[message, exchange, routing_key]``."""
    counts: dict[str, int] = {}
    for raw in values:
        try:
            _message, _exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        counts[str(routing_key)] = counts.get(str(routing_key), 0) + 1
    return counts


def queue_registry(client: redis.Redis) -> CollectorRegistry:
    """A registry holding only the queue collector, built for one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(client))
    return registry
