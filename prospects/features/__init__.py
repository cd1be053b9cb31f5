"""Point-in-time feature engineering: league frames -> context -> feature matrix -> examples.

Import from the submodules (``prospects.features.build`` ...). Names are also
reachable here, lazily, so that importing ``prospects.features.catalog`` alone
(as the API does for feature names) never loads pandas, numpy or scipy code.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "LeagueData": "data",
    "load_league": "data",
    "data_version": "data",
    "FEATURES": "catalog",
    "FEATURE_NAMES": "catalog",
    "Feature": "catalog",
    "LeagueContext": "context",
    "build_features": "build",
    "build_examples": "examples",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
