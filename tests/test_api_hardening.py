"""Hardening against an outside probe: security headers, oversized chunked bodies,
throttled key guessing, a readiness probe that survives a stale connection."""

from __future__ import annotations

import io
import json

pytest_plugins = ["tests.api_fixtures"]


def test_json_answers_carry_the_security_headers_and_are_not_cached(client, headers):
    response = client.get("/api/ml/prospects", headers=headers)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_errors_carry_the_security_headers_too(client):
    response = client.get("/api/ml/prospects")  # no key
    assert response.status_code == 401
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_may_load_their_own_files_but_not_be_framed(client):
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


def _chunked(client, url: str, body: bytes, headers: dict):
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn sends a chunked body
    )


def test_an_oversized_chunked_body_is_413_not_a_truncated_400(app, headers, prospects, queued):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({"prospect_id": 101, "as_of": "2024-06-01", "pad": "x" * limit}).encode()

    response = _chunked(app.test_client(), "/api/ml/predict", body, headers)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert queued() == []


def test_a_chunked_body_within_the_limit_is_read_whole(app, headers, prospects, queued):
    body = json.dumps({"prospect_id": 101, "as_of": "2024-06-01"}).encode()

    response = _chunked(app.test_client(), "/api/ml/predict", body, headers)

    assert response.status_code == 202
    assert [m["kwargs"]["prospect_id"] for m in queued()] == [101]
