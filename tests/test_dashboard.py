"""The dashboard page at ``/``: served without a key, wired to its script, styles and the API."""

from __future__ import annotations


def test_the_dashboard_is_served_without_a_key(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Cache-Control"] == "no-cache"
    html = page.get_data(as_text=True)
    for needle in ('id="api-key"', 'id="ranking-table"', 'id="prediction-chart"', 'id="models"'):
        assert needle in html
    for asset in ("/static/dashboard.js", "/static/dashboard.css"):
        assert asset in html and client.get(asset).status_code == 200


def test_the_script_calls_the_documented_endpoints(client, app):
    from app.blueprints.docs import openapi_spec

    script = client.get("/static/dashboard.js").get_data(as_text=True)
    with app.test_request_context():
        paths = openapi_spec()["paths"]
    for path in (
        "/api/ml/rankings/latest",
        "/api/ml/predict",
        "/api/ml/models",
        "/api/ml/experiments/current",
    ):
        assert path in script and path in paths, path
    assert "sessionStorage" in script and "localStorage" not in script
