"""``GET /openapi.json`` (generated from the URL map and the pydantic models) and ``GET /docs``.

Neither needs a key: the contract is public, the endpoints it describes are not.
The spec is built once per app, on first request, after every blueprint is in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask.wrappers import Response

from app.blueprints.dashboard import send_page
from app.openapi import Raw, build_spec, document

bp = Blueprint("docs", __name__)

_SPEC_KEY = "callup.openapi"


def openapi_spec() -> dict[str, Any]:
    """This app's OpenAPI document (cached: routes do not change once the app serves)."""
    spec = current_app.extensions.get(_SPEC_KEY)
    if spec is None:
        spec = current_app.extensions[_SPEC_KEY] = build_spec(current_app)
    return spec


@bp.get("/openapi.json")
@document(
    tags=("docs",),
    responses={200: (Raw("application/json", {"type": "object"}), "The OpenAPI 3.1 document.")},
)
def openapi_json() -> dict[str, Any]:
    """This API's OpenAPI 3.1 document, generated from the code that validates requests."""
    return openapi_spec()


@bp.get("/docs")
@document(tags=("docs",), responses={200: (Raw("text/html"), "Swagger UI on /openapi.json.")})
def docs() -> Response:
    """Interactive API docs (Swagger UI, served from this app: no CDN)."""
    return send_page("docs.html")
