"""Which warm booster serves a request: the champion, or the challenger for its A/B share.

The assignment is ``prospects.ab.assign`` (a sticky hash of the user), the same
function the API uses to find a cached answer. Whenever a challenger exists
this process loads it, whoever asked, so both boosters stay warm; a broken
challenger never fails a request: the champion answers instead.
"""

from __future__ import annotations

import logging

from prospects.ab import CHALLENGER, CHAMPION, assign
from prospects.errors import ModelUnavailableError
from prospects.serving.loaded import LoadedModel
from workers.model_holder import ModelHolder

log = logging.getLogger(__name__)


def choose(models: ModelHolder, user: str | None) -> tuple[LoadedModel, str]:
    """(model, variant) for ``user``; raises only what the champion itself raises."""
    champion = models.get(CHAMPION)
    try:
        challenger_version = models.resolve(CHALLENGER)
    except ModelUnavailableError:
        return champion, CHAMPION  # registry unreachable and nothing published: no experiment
    if challenger_version is None or challenger_version == champion.version:
        return champion, CHAMPION
    try:
        challenger = models.version(challenger_version)
    except ModelUnavailableError as exc:
        log.warning("challenger v%d unavailable, serving the champion: %s", challenger_version, exc)
        return champion, CHAMPION
    if assign(user, challenger_version) == CHALLENGER:
        return challenger, CHALLENGER
    return champion, CHAMPION
