"""Where ranking chunks compute exact contributions: a CUDA device when one is lent, else the CPU.

``CALLUP_DEVICE`` chooses: ``auto`` (the default) uses ``cuda`` only when this
XGBoost build has CUDA (the ``xgboost-cpu`` wheel never has) *and* the NVIDIA
driver shows a GPU this process may use; ``cpu`` never looks; ``cuda`` or
``cuda:N`` asks for that device (the CPU, with a warning, if the build has no
CUDA). Detection reads the build flags and ``/proc`` only: it creates no CUDA
context, so it is safe in Celery's prefork parent, and it cannot crash.
Single predictions stay on the CPU, where one-row TreeSHAP is fastest.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

DEVICE_ENV = "CALLUP_DEVICE"
NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")  # one entry per GPU the driver manages
_VALID = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def configured() -> str:
    """``$CALLUP_DEVICE`` (``auto``, ``cpu``, ``cuda`` or ``cuda:N``); ``auto`` when unset."""
    value = os.environ.get(DEVICE_ENV, "").strip().lower() or "auto"
    if not _VALID.match(value):
        raise ValueError(f"{DEVICE_ENV}={value!r}: expected auto, cpu, cuda or cuda:N")
    return value


def xgboost_has_cuda() -> bool:
    """Whether the installed XGBoost was built with CUDA (False for ``xgboost-cpu``)."""
    try:
        import xgboost as xgb

        return bool(xgb.build_info().get("USE_CUDA", False))
    except Exception:  # an odd build must mean "no", never a crash
        return False


def visible_gpus(gpus_dir: Path = NVIDIA_GPUS) -> int:
    """GPUs the NVIDIA driver exposes to this process (``CUDA_VISIBLE_DEVICES`` respected)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return 0
    try:
        count = sum(1 for _ in gpus_dir.iterdir())
    except OSError:
        return 0
    if visible is not None:
        count = min(count, len([v for v in visible.split(",") if v.strip()]))
    return count


def select_device(choice: str, cuda_build: bool, gpus: int) -> str:
    """The XGBoost ``device`` for ``choice`` on a host with this build and this many GPUs."""
    if choice == "cpu":
        return "cpu"
    if choice == "auto":
        return "cuda" if cuda_build and gpus > 0 else "cpu"
    return choice if cuda_build else "cpu"  # cuda / cuda:N asked for by the operator


@functools.cache
def _resolved(choice: str) -> str:
    device = select_device(choice, xgboost_has_cuda(), visible_gpus())
    if choice.startswith("cuda") and device == "cpu":
        log.warning(
            "%s=%s, but this XGBoost build has no CUDA (xgboost-cpu): ranking on the CPU",
            DEVICE_ENV,
            choice,
        )
    else:
        log.info("ranking contributions on %s (%s=%s)", device, DEVICE_ENV, choice)
    return device


def ranking_device() -> str:
    """The device ranking chunks compute contributions on; decided once per process and value."""
    return _resolved(configured())
