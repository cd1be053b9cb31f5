"""The warm model holder: registry → Redis artifact cache → memory, digest-checked, alias-aware."""

from __future__ import annotations

import uuid

import mlflow
import mlflow.xgboost
import numpy as np
import pytest
import redis
import xgboost as xgb
from mlflow.tracking import MlflowClient

from prospects import registry
from prospects.errors import ModelUnavailableError, NoChampionError
from prospects.jobs import JobStore
from workers.model_holder import ModelHolder, artifact_key

NAME = "holder-test-model"


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    """One MLflow SQLite store for the module (creating one costs seconds)."""
    root = tmp_path_factory.mktemp("mlflow")
    return f"sqlite:///{root / 'mlflow.db'}", (root / "artifacts").as_uri()


@pytest.fixture
def mlflow_client(mlflow_store, monkeypatch):
    """A client on the module's store; each test registers under its own model name."""
    global NAME
    uri, artifacts = mlflow_store
    NAME = f"holder-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ARTIFACT_ROOT", artifacts)
    monkeypatch.setenv("CALLUP_MODEL_NAME", NAME)
    client = registry.client()
    mlflow.set_experiment(experiment_id=registry.ensure_experiment(client))
    return client


def register(client, seed: int) -> int:
    """Log a tiny booster as a new version with its digest tag; return the version."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "seed": seed},
        xgb.DMatrix(X, label=y, feature_names=["a", "b", "c"]),
        num_boost_round=5 + seed,
    )
    with mlflow.start_run():
        info = mlflow.xgboost.log_model(
            booster,
            name="model",
            model_format="ubj",
            registered_model_name=NAME,
            pip_requirements=["xgboost-cpu"],  # skip MLflow's slow requirement inference
        )
    version = int(info.registered_model_version)
    raw = registry.fetch_model_bytes(client, registry.get_version(client, version, NAME))
    client.set_model_version_tag(NAME, str(version), registry.DIGEST_TAG, registry.digest(raw))
    return version


def test_no_champion_is_a_clear_error(mlflow_client, redis_client):
    register(mlflow_client, 1)
    with pytest.raises(NoChampionError, match="callup train"):
        ModelHolder(redis_client, NAME).get()


def test_loads_the_champion_and_caches_its_artifact(mlflow_client, redis_client):
    version = register(mlflow_client, 1)
    registry.set_alias(mlflow_client, registry.CHAMPION, version, NAME)
    model = ModelHolder(redis_client, NAME).get()
    assert model.version == version
    assert model.feature_names == ("a", "b", "c")
    cached = redis_client.get(artifact_key(NAME, version))
    assert registry.digest(cached) == model.digest
    assert 3500 < redis_client.ttl(artifact_key(NAME, version)) <= 3600


def test_follows_an_alias_published_in_redis(mlflow_client, redis_client):
    v1, v2 = register(mlflow_client, 1), register(mlflow_client, 2)
    registry.set_alias(mlflow_client, registry.CHAMPION, v1, NAME)
    holder = ModelHolder(redis_client, NAME)
    assert holder.get().version == v1
    registry.set_alias(mlflow_client, registry.CHAMPION, v2, NAME)
    JobStore(redis_client).publish_alias(registry.CHAMPION, v2)
    assert holder.get().version == v2


def test_tampered_cache_entry_is_refused_and_reloaded(mlflow_client, redis_client):
    version = register(mlflow_client, 1)
    registry.set_alias(mlflow_client, registry.CHAMPION, version, NAME)
    genuine = ModelHolder(redis_client, NAME).get()
    redis_client.set(artifact_key(NAME, version), b"not the model we registered")
    reloaded = ModelHolder(redis_client, NAME).get()  # a fresh process: nothing in memory
    assert reloaded.digest == genuine.digest
    assert registry.digest(redis_client.get(artifact_key(NAME, version))) == genuine.digest


def test_registry_unreachable_without_cache_is_model_unavailable(redis_client, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9/")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with pytest.raises(ModelUnavailableError, match="registry"):
        ModelHolder(redis_client, NAME).get()


def test_a_warm_holder_keeps_its_champion_while_the_registry_is_down(
    mlflow_client, redis_client, monkeypatch
):
    version = register(mlflow_client, 1)
    registry.set_alias(mlflow_client, registry.CHAMPION, version, NAME)
    holder = ModelHolder(redis_client, NAME)
    assert holder.get().version == version
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    down = "http://127.0.0.1:9/"
    holder._mlflow = MlflowClient(tracking_uri=down, registry_uri=down)
    redis_client.flushdb()  # the alias key has expired as well: only the registry could say

    assert holder.get().version == version  # an alias only moves through the registry
    fresh = ModelHolder(redis_client, NAME)  # a new process has nothing to fall back on
    fresh._mlflow = holder._mlflow
    with pytest.raises(ModelUnavailableError, match="registry"):
        fresh.get()
