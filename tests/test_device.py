"""Choosing where ranking chunks compute contributions: CUDA when one is lent, else the CPU.

No GPU is available where these tests run: they check the choice, not a GPU run.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import xgboost as xgb

from prospects.serving import device
from prospects.serving.explain import contributions
from prospects.serving.loaded import LoadedModel


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(device.DEVICE_ENV, raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    device._resolved.cache_clear()
    yield
    device._resolved.cache_clear()


@pytest.mark.parametrize(
    ("choice", "cuda_build", "gpus", "expected"),
    [
        ("auto", False, 0, "cpu"),
        ("auto", False, 2, "cpu"),  # the xgboost-cpu wheel on a GPU host
        ("auto", True, 0, "cpu"),  # a CUDA build on a host without a GPU
        ("auto", True, 1, "cuda"),
        ("cpu", True, 4, "cpu"),
        ("cuda", True, 0, "cuda"),  # asked for: trusted, the driver may hide from /proc
        ("cuda:1", True, 2, "cuda:1"),
        ("cuda", False, 1, "cpu"),  # no CUDA in this build: never a crash
    ],
)
def test_select_device(choice, cuda_build, gpus, expected):
    assert device.select_device(choice, cuda_build, gpus) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "auto"), ("", "auto"), (" CPU ", "cpu"), ("cuda", "cuda"), ("cuda:0", "cuda:0")],
)
def test_configured_reads_callup_device(monkeypatch, value, expected):
    if value is not None:
        monkeypatch.setenv(device.DEVICE_ENV, value)
    assert device.configured() == expected


@pytest.mark.parametrize("value", ["gpu", "cuda:", "cuda:x", "tpu"])
def test_an_unknown_device_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv(device.DEVICE_ENV, value)
    with pytest.raises(ValueError, match="CALLUP_DEVICE"):
        device.configured()


def test_visible_gpus_counts_the_drivers_devices(tmp_path, monkeypatch):
    gpus = tmp_path / "gpus"
    assert device.visible_gpus(gpus) == 0  # no NVIDIA driver: no directory
    gpus.mkdir()
    for bus in ("0000:01:00.0", "0000:02:00.0"):
        (gpus / bus).mkdir()
    assert device.visible_gpus(gpus) == 2
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert device.visible_gpus(gpus) == 1
    for hidden in ("", "-1"):
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", hidden)
        assert device.visible_gpus(gpus) == 0


def test_this_xgboost_build_is_known_and_auto_means_cpu_without_a_gpu():
    # Whatever the wheel, detection answers; on a host without a GPU, auto is the CPU.
    assert device.xgboost_has_cuda() in (True, False)
    if not device.xgboost_has_cuda() or device.visible_gpus() == 0:
        assert device.ranking_device() == "cpu"


def test_a_broken_build_info_means_no_cuda(monkeypatch):
    def broken():
        raise RuntimeError("no build info")

    monkeypatch.setattr(xgb, "build_info", broken)
    assert device.xgboost_has_cuda() is False


def test_cuda_asked_of_a_cpu_build_warns_and_ranks_on_the_cpu(monkeypatch, caplog):
    monkeypatch.setenv(device.DEVICE_ENV, "cuda")
    monkeypatch.setattr(device, "xgboost_has_cuda", lambda: False)
    with caplog.at_level(logging.WARNING, logger=device.__name__):
        assert device.ranking_device() == "cpu"
        assert device.ranking_device() == "cpu"  # decided once: one warning
    assert [r.levelname for r in caplog.records] == ["WARNING"]


def test_auto_picks_cuda_when_the_build_and_a_gpu_are_there(monkeypatch):
    monkeypatch.setattr(device, "xgboost_has_cuda", lambda: True)
    monkeypatch.setattr(device, "visible_gpus", lambda: 1)
    assert device.ranking_device() == "cuda"


def test_contributions_on_the_cpu_use_the_model_itself_and_a_device_gets_a_kept_copy():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3},
        xgb.DMatrix(X, label=(X[:, 0] > 0).astype(int), feature_names=["a", "b", "c"]),
        num_boost_round=5,
    )
    raw = bytes(booster.save_raw(raw_format="ubj"))
    model = LoadedModel.from_bytes("test", 1, raw, "digest")
    assert model.booster_on("cpu") is model.booster
    np.testing.assert_allclose(
        contributions(model, X[:5], "cpu"), contributions(model, X[:5]), rtol=0, atol=0
    )
    # Placing a copy needs no GPU (XGBoost checks at predict time); it is made once and kept.
    placed = model.booster_on("cuda")
    assert placed is not model.booster and model.booster_on("cuda") is placed
    assert model.booster_on("cpu") is model.booster
