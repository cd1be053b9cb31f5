"""A predict worker whose answers carry no interval and no comparable players: the "without"
side of ``bench/predict.py``'s measure of what those two cost a queued answer.

Everything else is the product's own worker: ``celery -A workers worker``, the same task,
``predict_one`` and ``score``, the same model version from the same registry. Two things are
taken away before Celery starts (and so before the prefork pool is forked):

* every model version it loads is held without its interval members (``ensemble=None``):
  ``score`` then evaluates no member and states no interval, as for a version trained before
  intervals existed (the confidence level then reads ``medium``, "this model version states
  no interval");
* ``score`` names no comparable players (an empty list per answer, no k-d tree query).

The SHAP pass, the calibration, the concept points, the wording, the cache entry and the
stored prediction are the same as in the full answer. This is a benchmark's instrument, not
a product setting: every answer the product serves carries both (issue 13).

Usage (as ``celery``): ``python bench/lean_worker.py -A workers worker -Q predict -c 2 ...``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prospects.serving import scoring  # noqa: E402
from prospects.serving.loaded import LoadedModel  # noqa: E402


def _no_comparables(context: Any, features: Any, k: int = 0) -> list[list[dict[str, object]]]:
    return [[] for _ in range(len(features))]


def lean(set_attribute: Callable[[object, str, object], None] = setattr) -> None:
    """Take the interval members and the comparable players out of every answer this process
    (and any process forked from it) computes. ``set_attribute``: ``setattr``, or a test's
    ``monkeypatch.setattr`` so the change is undone after it."""
    full = LoadedModel.from_bytes.__func__  # type: ignore[attr-defined]

    def from_bytes(cls: type[LoadedModel], *args: Any, **kwargs: Any) -> LoadedModel:
        return replace(full(cls, *args, **kwargs), ensemble=None)

    set_attribute(LoadedModel, "from_bytes", classmethod(from_bytes))
    set_attribute(scoring, "comparables", _no_comparables)


def main() -> None:
    from celery.bin.celery import main as celery_main

    lean()
    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
