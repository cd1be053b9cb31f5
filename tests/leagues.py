"""Generated leagues read back into memory: the starting point of the model-level tests."""

from __future__ import annotations

from pathlib import Path

from prospects.db.session import init_db, reset_engine, session_scope
from prospects.features.data import LeagueData, load_league
from prospects.league.generator import generate_league

# ``callup seed``'s defaults: the league every figure in docs/model-card.md is measured on.
DEFAULT_LEAGUE = {"n_prospects": 6000, "first_season": 2008, "last_season": 2026, "seed": 7}


def generated_league(directory: Path, **settings: int) -> LeagueData:
    """A league generated into its own SQLite file in ``directory`` and read back whole."""
    url = f"sqlite:///{directory / 'league.db'}"
    init_db(url)
    try:
        with session_scope(url) as session:
            generate_league(session, **settings)
        with session_scope(url) as session:
            return load_league(session)
    finally:
        reset_engine(url)
