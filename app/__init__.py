"""The Flask API: ``create_app()`` for ``flask --app app run`` and ``gunicorn "app:create_app()"``.

Importing this package connects to nothing; the factory only wires settings,
extensions, blueprints and error handlers. Redis and the database are first
touched by a request, so the API starts (and says 503) while they are down.
The API never imports the ML stack (xgboost, shap, pandas, mlflow): it sends
tasks to the workers by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app import settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the API; ``config`` overrides environment settings (tests)."""
    app = Flask(__name__, static_folder=None)  # a JSON API: no static files
    app.config.from_mapping(settings.load(config))
    app.json.sort_keys = False  # keep the documented field order in responses
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    """Redis, Celery (as a client), the database, the key cache and the rate limiter."""
    from app.auth import init_auth
    from app.extensions import celery_client, database, limiter, redis_clients

    redis_clients.init_app(app)
    celery_client.init_app(app)
    database.init_app(app)
    init_auth(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Health at the root; everything else under ``/api/ml``."""
    from app.blueprints import health, jobs, predict, prospects

    app.register_blueprint(health.bp)
    app.register_blueprint(predict.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(prospects.bp)


def register_errorhandlers(app: Flask) -> None:
    """Every error as JSON; 503 with Retry-After when Redis or the database is down."""
    from app.errors import register_errorhandlers as register

    register(app)
