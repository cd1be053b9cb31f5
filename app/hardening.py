"""Security headers on every response: no sniffing, no framing, no referrer, no cached JSON.

The API answers JSON to programs and two pages (dashboard, Swagger UI) to
people; both pages load only this app's own scripts and stylesheets, so a
strict same-origin policy costs nothing. JSON carries predictions and keys'
owners' data: ``Cache-Control: no-store`` keeps it out of shared caches.
"""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response

# For JSON and anything else that is not a page: nothing may load or frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# For the dashboard and /docs: this app's own files; Swagger UI sets inline styles and
# draws its icons from data: URIs.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    page = response.mimetype == "text/html"
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY if page else API_POLICY)
    if response.mimetype == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_hardening(app: Flask) -> None:
    """Every response, errors included, leaves with the headers."""
    app.after_request(add_security_headers)
