"""Hostile input: every route needs a key (health and the operator's pages aside), and junk
of every shape gets a JSON 4xx that changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import prospects.apikeys as keys_module
from app import create_app
from prospects.db.models import Prospect
from prospects.db.session import session_scope

# Routes a client may call without a key. Adding a route anywhere else without
# authentication fails test_every_other_route_refuses_a_request_without_a_key.
PUBLIC_ENDPOINTS = {
    "health.healthz",
    "health.readyz",
    "metrics.metrics",
    "docs.openapi_json",
    "docs.docs",
    "dashboard.index",
    "dashboard.static_file",
}
_SAMPLE_VALUES = {"int": "1", "path": "x", "default": "a" * 16}


def _concrete(rule: str) -> str:
    """``/api/ml/jobs/<job_id>`` → ``/api/ml/jobs/aaaaaaaaaaaaaaaa``."""

    def sample(match: re.Match) -> str:
        converter = match.group(1) or "default"
        return _SAMPLE_VALUES.get(converter.rstrip(":"), _SAMPLE_VALUES["default"])

    return re.sub(r"<(?:(\w+):)?\w+>", sample, rule)


def _routes():
    # Only the URL map is read (at collection): nothing connects, so no Redis db is taken.
    app = create_app({"REDIS_URL": "redis://127.0.0.1:1/0", "DATABASE_URL": "sqlite://"})
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(rule.endpoint, method, _concrete(rule.rule), id=f"{method} {rule}")


@pytest.mark.parametrize(("endpoint", "method", "path"), list(_routes()))
def test_every_other_route_refuses_a_request_without_a_key(client, endpoint, method, path):
    bad_keys = ({}, {"Authorization": "Bearer cu_not-a-real-key"}, {"Authorization": "Basic x"})
    for headers in bad_keys:
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 401, (method, path, headers)
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_the_public_allowlist_names_only_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints


@pytest.fixture
def prospect_count(prospects, sqlite_url):
    def count() -> int:
        with session_scope(sqlite_url) as session:
            return session.scalar(select(func.count()).select_from(Prospect))

    return count


def test_an_oversized_body_is_413_json(client, headers):
    response = client.post(
        "/api/ml/predict",
        data=b'{"prospect_id": 1, "pad": "' + b"x" * 200_000 + b'"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"prospect_id": 1', "application/json", 400),
        (b"prospect_id=1", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe\x00", "application/json", 400),
        (b'"just a string"', "application/json", 422),
        (b"[1, 2, 3]", "application/json", 422),
    ],
)
def test_malformed_bodies_get_a_json_4xx(client, headers, body, content_type, status):
    response = client.post(
        "/api/ml/predict", data=body, headers={**headers, "Content-Type": content_type}
    )
    assert response.status_code == status
    assert set(response.get_json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize("prospect_id", [-1, 0, 10**30, 2**63, 1.5, "1; DROP TABLE prospects"])
def test_out_of_range_ids_are_422(client, headers, prospect_id):
    response = client.post("/api/ml/predict", json={"prospect_id": prospect_id}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "prospect_id"


@pytest.mark.parametrize(
    "query",
    [
        {"q": "' OR 1=1 --"},
        {"organization": "NYY'; DROP TABLE prospects; --"},
        {"q": "名前 🚀 \u202e"},
        {"q": "%_%"},
        {"position": "SS' UNION SELECT key_hash FROM api_keys --"},
        {"page": "99999999999999999999"},
        {"per_page": "-5"},
    ],
)
def test_sql_looking_and_unicode_filters_change_nothing(client, headers, prospect_count, query):
    before = prospect_count()
    response = client.get("/api/ml/prospects", query_string=query, headers=headers)
    assert response.status_code in (200, 422)
    body = response.get_json()
    if response.status_code == 200:
        assert body["items"] == [] or all("key_hash" not in item for item in body["items"])
    else:
        assert body["error"]["field"]
    assert prospect_count() == before


def test_huge_path_ids_are_404_not_500(client, headers):
    for path in ("/api/ml/prospects/99999999999999999999999", "/api/ml/jobs/" + "a" * 5000):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"]


def test_api_keys_are_compared_in_constant_time(client, make_key, monkeypatch):
    calls = []
    real = keys_module.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys_module.hmac, "compare_digest", spy)
    key = make_key("mallory", "viewer")
    response = client.get("/api/ml/prospects", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert calls, "the key check must go through hmac.compare_digest"
