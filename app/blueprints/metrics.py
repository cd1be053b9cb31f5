"""``GET /metrics``: Prometheus exposition of the API's metrics and the queues' depth.

No key: Prometheus scrapes it, and operators keep it off the public network
(see docs/operations.md). It answers even while Redis is down, with
``callup_redis_up 0`` in place of the queue gauges.
"""

from __future__ import annotations

from flask import Blueprint
from flask.wrappers import Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.extensions import redis_clients
from app.metrics import render
from app.openapi import Raw, document
from app.queue_metrics import queue_registry

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@document(
    tags=("operations",),
    responses={200: (Raw("text/plain"), "Prometheus text exposition format.")},
)
def metrics() -> Response:
    """Prometheus metrics: requests, latency, rate limits, cache, predictions, queues."""
    body = render(queue_registry(redis_clients.client))
    return Response(body, status=200, content_type=CONTENT_TYPE_LATEST)
