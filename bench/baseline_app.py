"""The in-process baseline for bench/predict.py: the same work as a worker, with no queue.

One endpoint that validates the body, builds the features, scores and
explains with the warm champion, assesses confidence, writes the narrative and
stores the prediction — exactly the functions the Celery task calls — directly
in the web process. Serve it under the same gunicorn settings as the API.
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis
from flask import Flask, jsonify, request

from prospects import config
from prospects.db.session import session_scope
from prospects.db.version import cached_data_version
from prospects.errors import CallupError
from prospects.serving.league_day import LeagueDays
from prospects.serving.predict import predict_one, record_prediction
from workers.model_holder import ModelHolder


def create_app() -> Flask:
    """A Flask app whose one route does a prediction in-process."""
    app = Flask(__name__)
    state: dict[str, object] = {}

    def runtime() -> tuple[redis.Redis, ModelHolder, LeagueDays]:
        if not state:  # after gunicorn's fork, like a worker process
            client = redis.Redis.from_url(config.redis_url())
            state.update(redis=client, models=ModelHolder(client), days=LeagueDays())
        return state["redis"], state["models"], state["days"]  # type: ignore[return-value]

    @app.post("/baseline/predict")
    def predict():  # type: ignore[no-untyped-def]
        body = request.get_json(silent=True) or {}
        prospect_id = body.get("prospect_id")
        if not isinstance(prospect_id, int) or isinstance(prospect_id, bool):
            return jsonify(error={"code": "invalid", "message": "prospect_id"}), 422
        client, models, days = runtime()
        day = datetime.now(UTC).date()
        try:
            model = models.get()
            with session_scope() as session:
                version = cached_data_version(client, session)
                result = predict_one(session, model, days, prospect_id, day, version)
                record_prediction(session, result, None, "baseline")
        except CallupError as exc:
            return jsonify(error=exc.as_dict()), 409
        return jsonify(status="succeeded", result=result)

    return app
