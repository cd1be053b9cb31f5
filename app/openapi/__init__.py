"""OpenAPI 3.1 for the API, generated from the Flask URL map and the pydantic models.

``document`` says, beside each view, which models it reads and answers with;
``build_spec`` walks every rule of the app's URL map, so every route is in
the spec; one without a ``document`` is flagged ``x-undocumented`` and listed
by ``undocumented_routes``, which the tests require to be empty.
"""

from app.openapi.registry import Header, Raw, RouteDoc, document, document_endpoint
from app.openapi.spec import build_spec, undocumented_routes

__all__ = [
    "Header",
    "Raw",
    "RouteDoc",
    "build_spec",
    "document",
    "document_endpoint",
    "undocumented_routes",
]
