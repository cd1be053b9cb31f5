"""Database models and sessions; no ML stack is imported here."""

from prospects.db.models import (
    LEVELS,
    Base,
    BattingLine,
    Outcome,
    PitchingLine,
    Prospect,
    ScoutingReport,
)
from prospects.db.session import get_engine, init_db, reset_engine, session_scope

__all__ = [
    "LEVELS",
    "Base",
    "BattingLine",
    "Outcome",
    "PitchingLine",
    "Prospect",
    "ScoutingReport",
    "get_engine",
    "init_db",
    "reset_engine",
    "session_scope",
]
