"""A worker gives up on an unreachable MLflow in seconds, unless the operator says otherwise."""

from __future__ import annotations

import os

import mlflow.environment_variables as mlflow_env

from workers.mlflow_http import WORKER_DEFAULTS, bound_registry_waits


def test_defaults_parse_as_mlflow_reads_them_and_the_operator_wins(monkeypatch):
    for name in WORKER_DEFAULTS:
        monkeypatch.setenv(name, "placeholder")  # so the test's changes are undone afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "42")

    bound_registry_waits()

    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "42"
    assert mlflow_env.MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() == 1
    for name in WORKER_DEFAULTS:
        getattr(mlflow_env, name).get()  # each value has the type MLflow expects
