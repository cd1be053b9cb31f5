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
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_logging(app: Flask) -> None:
    """JSON log lines, one per request, with a request id that follows it into its tasks."""
    from app.requestlog import init_request_logging

    init_request_logging(app)


def register_extensions(app: Flask) -> None:
    """Redis, Celery (as a client), the database, the key cache and the rate limiter."""
    from app import metrics
    from app.auth import init_auth
    from app.bodylimit import init_body_limit
    from app.extensions import celery_client, database, redis_clients
    from app.hardening import init_hardening
    from app.limits import init_limits
    from app.waiters import init_waiters

    redis_clients.init_app(app)
    celery_client.init_app(app)
    database.init_app(app)
    init_auth(app)
    init_limits(app)
    metrics.init_app(app)
    init_hardening(app)
    init_waiters(app)
    init_body_limit(app)


def register_blueprints(app: Flask) -> None:
    """Health at the root; everything else under ``/api/ml``."""
    from app.blueprints import health, jobs, predict, prospects, rankings

    app.register_blueprint(health.bp)
    app.register_blueprint(predict.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(prospects.bp)
    app.register_blueprint(rankings.bp)
    register_lifecycle(app)
    register_site(app)


def register_lifecycle(app: Flask) -> None:
    """Model versions, retraining, promotion, rollback and the A/B report under ``/api/ml``."""
    from app.blueprints import lifecycle

    app.register_blueprint(lifecycle.bp)


def register_site(app: Flask) -> None:
    """The operator's side: dashboard at ``/``, ``/openapi.json``, ``/docs``, ``/metrics``."""
    from app.blueprints import dashboard, docs
    from app.blueprints import metrics as metrics_view

    app.register_blueprint(dashboard.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(metrics_view.bp)


def register_errorhandlers(app: Flask) -> None:
    """Every error as JSON; 503 with Retry-After when Redis or the database is down."""
    from app.errors import register_errorhandlers as register

    register(app)
