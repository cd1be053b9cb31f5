"""The dashboard at ``/`` and the static files it and ``/docs`` load.

A static page: its JavaScript calls the API with the key the user pastes in,
so the page itself needs no key and holds no data. Only the files listed in
``STATIC_FILES`` are served, with the media type given there. Files are read
once per change (keyed by mtime) and served from memory with an ETag, so no
request holds a file handle open.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path

from flask import Blueprint, send_file
from flask.wrappers import Response

from app.errors import ApiError
from app.openapi import Raw, document
from app.responses import ErrorResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_FILES = {
    "dashboard.css": "text/css",
    "dashboard.js": "text/javascript",
    "docs.js": "text/javascript",
    "vendor/swagger-ui/swagger-ui.css": "text/css",
    "vendor/swagger-ui/swagger-ui-bundle.js": "text/javascript",
}

bp = Blueprint("dashboard", __name__)


@functools.lru_cache(maxsize=32)
def _read(name: str, mtime_ns: int) -> tuple[bytes, str]:
    """A static file's bytes and ETag (``mtime_ns`` makes an edited file a new entry)."""
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:20]


def _send(name: str, mimetype: str, max_age: int) -> Response:
    path = STATIC_DIR / name
    data, etag = _read(name, path.stat().st_mtime_ns)
    return send_file(
        io.BytesIO(data), mimetype=mimetype, etag=etag, max_age=max_age, conditional=True
    )


def send_page(name: str) -> Response:
    """An HTML page from the static directory, revalidated on every load (it names the assets)."""
    response = _send(name, "text/html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@document(tags=("dashboard",), responses={200: (Raw("text/html"), "The dashboard page.")})
def index() -> Response:
    """The operator's dashboard: ranking, predictions with explanations, models, A/B test."""
    return send_page("dashboard.html")


@bp.get("/static/<path:filename>")
@document(
    tags=("dashboard",),
    path={"filename": {"enum": sorted(STATIC_FILES), "description": "A file the pages load."}},
    responses={
        200: Raw(tuple(sorted(set(STATIC_FILES.values())))),
        404: (ErrorResponse, "Not one of the files the pages load."),
    },
)
def static_file(filename: str) -> Response:
    """A script or stylesheet of the dashboard or the docs page."""
    mimetype = STATIC_FILES.get(filename)
    if mimetype is None:
        raise ApiError(404, "not_found", "no such file")
    return _send(filename, mimetype, max_age=300)
