"""Champion/challenger assignment: which variant serves a user, the same in the API and workers.

Standard library only: the API computes the assignment to find the right
cached answer, the worker computes it to pick the booster, and both must agree
bit for bit. A user's bucket is a hash of the experiment (the challenger's
version) and the user's name, so a user sees one variant for the whole
experiment and a new experiment reshuffles who is exposed.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date

from prospects.jobs import PREFIX, prediction_cache_key

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_SHARE = 0.10
_SCALE = float(2**64)


def challenger_share() -> float:
    """``$CALLUP_AB_CHALLENGER_SHARE``: the share of users the challenger serves (default 0.10)."""
    raw = os.environ.get("CALLUP_AB_CHALLENGER_SHARE", "")
    if not raw:
        return DEFAULT_SHARE
    try:
        share = float(raw)
    except ValueError:
        raise ValueError(f"CALLUP_AB_CHALLENGER_SHARE must be a number, got {raw!r}") from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"CALLUP_AB_CHALLENGER_SHARE must be between 0 and 1, got {share}")
    return share


def bucket(user: str, experiment: int) -> float:
    """A stable number in [0, 1) for ``user`` in ``experiment``: uniform over users."""
    digest = hashlib.sha256(f"callup-ab:{experiment}:{user}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign(user: str | None, challenger_version: int | None, share: float | None = None) -> str:
    """``"challenger"`` for the configured share of users while a challenger exists, else champion.

    Anonymous calls (no user: Beat, internal jobs) always get the champion.
    """
    if challenger_version is None or not user:
        return CHAMPION
    share = challenger_share() if share is None else share
    return CHALLENGER if bucket(user, challenger_version) < share else CHAMPION


def cache_key(
    variant: str, model_version: int, data_version: str, as_of: date, prospect_id: int
) -> str:
    """The prediction cache key for an answer served by ``variant``.

    The champion keeps the plain key (rankings fill it too); a challenger's
    answers live under their own, so a user assigned to one variant can never
    be handed an answer the other one computed, even for the same version.
    """
    key = prediction_cache_key(model_version, data_version, as_of, prospect_id)
    if variant == CHAMPION:
        return key
    return key.replace(f"{PREFIX}:pred:", f"{PREFIX}:pred:{variant}:", 1)


def parse_alias(raw: bytes | str | None) -> tuple[bool, int | None]:
    """A published alias value → (known, version): ``b"3"`` → (True, 3), ``b"none"`` → (True,
    None), a missing key → (False, None): nobody has said recently whether the alias exists."""
    if raw is None:
        return False, None
    text = raw.decode() if isinstance(raw, bytes) else raw
    text = text.strip()
    if text.isdigit():
        return True, int(text)
    return text == NO_VERSION, None


NO_VERSION = "none"  # published for an alias known not to exist (e.g. no challenger)
