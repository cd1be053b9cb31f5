"""Hardening against an outside probe: security headers, oversized chunked bodies,
throttled key guessing, a readiness probe that survives a stale connection."""

from __future__ import annotations

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
