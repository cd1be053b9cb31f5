"""/openapi.json: a valid OpenAPI 3.1 document covering every route, generated from the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint
from openapi_spec_validator import validate

from app import create_app
from app.auth import require_role
from app.blueprints import api_blueprint
from app.blueprints.dashboard import STATIC_DIR, STATIC_FILES
from app.openapi import build_spec, document, undocumented_routes
from app.openapi.spec import REF_TEMPLATE
from app.responses import ErrorResponse, Health
from app.schemas import PredictRequest, ProspectQuery

IGNORED = {"HEAD", "OPTIONS"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_spec_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_route_in_the_url_map_is_documented(app, spec):
    assert undocumented_routes(app) == [], "add @document(...) to these views"
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        for part in ("int:", "path:", "string:"):
            path = path.replace("{" + part, "{")
        for method in rule.methods - IGNORED:
            operation = spec["paths"][path][method.lower()]
            assert "x-undocumented" not in operation, f"{method} {rule.rule}"
            assert operation["responses"], f"{method} {rule.rule}"


def test_request_schemas_are_the_validating_models(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["PredictRequest"] == PredictRequest.model_json_schema(ref_template=REF_TEMPLATE)
    body = spec["paths"]["/api/ml/predict"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictRequest"
    }
    params = spec["paths"]["/api/ml/prospects"]["get"]["parameters"]
    assert {p["name"] for p in params if p["in"] == "query"} == set(ProspectQuery.model_fields)
    per_page = next(p for p in params if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100 and not per_page["required"]


def test_path_parameters_follow_the_url_converters(spec):
    [param] = spec["paths"]["/api/ml/prospects/{prospect_id}"]["get"]["parameters"]
    assert param == {
        "name": "prospect_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }


def test_security_and_shared_errors_come_from_the_blueprint_hooks(spec):
    predict = spec["paths"]["/api/ml/predict"]["post"]
    assert predict["security"] == [{"bearerAuth": []}]
    assert {"400", "401", "413", "415", "422", "429", "503"} <= set(predict["responses"])
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    assert predict["responses"]["401"]["content"]["application/json"]["schema"] == error
    assert "Retry-After" in predict["responses"]["429"]["headers"]
    for path in ("/healthz", "/metrics", "/openapi.json", "/docs", "/"):
        operation = spec["paths"][path]["get"]
        assert "security" not in operation and "401" not in operation["responses"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_role_gated_view_documents_403_and_an_undocumented_one_is_reported(app_config):
    app = create_app(app_config)
    bp = api_blueprint("probe", __name__)

    @bp.get("/probe/admin")
    @require_role("admin")
    @document(responses={200: Health})
    def admin_only() -> dict:
        """An admin-only probe."""
        return {"status": "ok"}

    bare = Blueprint("bare", __name__)

    @bare.get("/bare")
    def undocumented() -> str:
        return "x"

    app.register_blueprint(bp)
    app.register_blueprint(bare)

    spec = build_spec(app)
    operation = spec["paths"]["/api/ml/probe/admin"]["get"]
    assert "`admin` role" in operation["responses"]["403"]["description"]
    assert operation["summary"] == "An admin-only probe."
    assert spec["paths"]["/bare"]["get"]["x-undocumented"] is True
    assert "GET /bare (bare.undocumented)" in undocumented_routes(app)
    assert not any("probe" in route for route in undocumented_routes(app))
    validate(spec)


def test_the_error_model_matches_what_the_errors_module_sends(client):
    body = client.get("/api/ml/prospects").get_json()  # no key: 401
    ErrorResponse.model_validate(body)
    assert set(body["error"]) == {"code", "message"}


def test_docs_page_loads_swagger_ui_from_this_app(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for asset in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css"):
        assert f"/static/{asset}" in html
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and len(response.get_data()) > 10_000
    assert "/openapi.json" in client.get("/static/docs.js").get_data(as_text=True)


def test_static_files_are_exactly_the_listed_ones(client):
    shipped = {
        str(p.relative_to(STATIC_DIR))
        for p in Path(STATIC_DIR).rglob("*")
        if p.is_file() and p.suffix in {".js", ".css"}
    }
    assert shipped == set(STATIC_FILES)
    assert client.get("/static/dashboard.html").status_code == 404  # pages have their own routes
    assert client.get("/static/vendor/swagger-ui/LICENSE").status_code == 404
    cached = client.get("/static/dashboard.js")
    assert cached.status_code == 200 and cached.headers["ETag"]
    again = client.get("/static/dashboard.js", headers={"If-None-Match": cached.headers["ETag"]})
    assert again.status_code == 304


def test_a_key_and_a_limit_are_documented_for_declared_api_blueprints_only(app_config):
    """Declared by ``api_blueprint``, not guessed from a hook's name: a look-alike hook on a
    plain blueprint documents no key, no 401 and no 429."""
    from app.blueprints import authenticated

    app = create_app(app_config)
    api = api_blueprint("declared", __name__)
    lookalike = Blueprint("lookalike", __name__)
    lookalike.before_request(authenticated)

    for bp, path in ((api, "/declared"), (lookalike, "/lookalike")):

        @bp.get(path)
        @document(responses={200: Health})
        def probe() -> dict:
            """A probe."""
            return {"status": "ok"}

        app.register_blueprint(bp)

    paths = build_spec(app)["paths"]
    declared, plain = paths["/api/ml/declared"]["get"], paths["/lookalike"]["get"]
    assert declared["security"] == [{"bearerAuth": []}]
    assert {"401", "429"} <= set(declared["responses"])
    assert "security" not in plain
    assert not {"401", "429"} & set(plain["responses"])
