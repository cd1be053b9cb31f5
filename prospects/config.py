"""Settings read from the environment, each with a default that makes a local run work.

Read lazily (functions, not module constants) so that importing never touches
the environment, the disk or the network, and tests can change a variable.
"""

from __future__ import annotations

import os
from pathlib import Path

SUCCESS_PA = 500  # MLB plate appearances above which a hitter counts as a success
SUCCESS_OUTS = 300  # 100 innings pitched, in outs, above which a pitcher counts as a success
HORIZON_YEARS = 4  # success must come within this many years of the reference date


def var_dir() -> Path:
    """Where embedded state lives (SQLite, MLflow, a local Redis): ``$CALLUP_VAR_DIR`` or ./var."""
    path = Path(os.environ.get("CALLUP_VAR_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``$DATABASE_URL``, or a SQLite file under the var dir."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Accept the common ``postgresql://`` spelling and use the psycopg 3 driver.
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        elif url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        return url
    return f"sqlite:///{var_dir() / 'callup.db'}"


def mlflow_tracking_uri() -> str:
    """``$MLFLOW_TRACKING_URI``, or a SQLite tracking store under the var dir."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{var_dir() / 'mlflow.db'}"


def mlflow_artifact_root() -> str:
    """Where new experiments keep artifacts when MLflow runs embedded."""
    return os.environ.get("MLFLOW_ARTIFACT_ROOT") or (var_dir() / "mlartifacts").as_uri()


def model_name() -> str:
    """Registered model name in the MLflow registry."""
    return os.environ.get("CALLUP_MODEL_NAME", "prospect-success")


def experiment_name() -> str:
    """MLflow experiment that training runs are logged to."""
    return os.environ.get("CALLUP_EXPERIMENT", "callup-training")


def redis_url() -> str:
    """Broker, wake-ups, cache, locks and rate-limit storage."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def rank_chunk_size() -> int:
    """Prospects per ranking chunk (``$CALLUP_RANK_CHUNK_SIZE``); see docs/rankings.md."""
    raw = os.environ.get("CALLUP_RANK_CHUNK_SIZE", "")
    try:
        return max(1, int(raw)) if raw else 250
    except ValueError:
        raise ValueError(f"CALLUP_RANK_CHUNK_SIZE must be an integer, got {raw!r}") from None


def env_float(
    name: str, default: float, low: float | None = None, high: float | None = None
) -> float:
    """A float setting, refused with a clear message when malformed or out of range."""
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def env_int(name: str, default: int, low: int = 0) -> int:
    """An integer setting of at least ``low``."""
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return value
