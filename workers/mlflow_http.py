"""How long a worker waits on an unreachable MLflow server before it calls the model unavailable.

MLflow's own defaults (7 retries with exponential backoff, 120 s per request)
would hold a prediction for minutes when the tracking server is down: past
the task's time limit, and past the 60 s a new pool process has to report
ready, so the pool would replace processes forever. A worker instead gives up
within seconds and the client gets ``model_unavailable`` (503, Retry-After).
An operator's own ``MLFLOW_HTTP_REQUEST_*`` settings win.
"""

from __future__ import annotations

import os

WORKER_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
}


def bound_registry_waits() -> None:
    """Apply the worker's MLflow HTTP limits unless the environment sets them already."""
    for name, value in WORKER_DEFAULTS.items():
        os.environ.setdefault(name, value)
