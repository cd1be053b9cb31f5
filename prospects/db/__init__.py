"""Database models and sessions; no ML stack is imported here."""

from prospects.db.models import (
    LEVELS,
    ROLES,
    ApiKey,
    Base,
    BattingLine,
    Outcome,
    PitchingLine,
    Prediction,
    Prospect,
    Release,
    ScoutingReport,
    User,
)
from prospects.db.session import get_engine, init_db, reset_engine, session_scope

__all__ = [
    "LEVELS",
    "ROLES",
    "ApiKey",
    "Base",
    "BattingLine",
    "Outcome",
    "PitchingLine",
    "Prediction",
    "Prospect",
    "Release",
    "ScoutingReport",
    "User",
    "get_engine",
    "init_db",
    "reset_engine",
    "session_scope",
]
