"""413 for a chunked body over ``MAX_CONTENT_LENGTH``, as for one that declares its length.

A body sent with ``Transfer-Encoding: chunked`` has no Content-Length to
refuse up front, and werkzeug cuts such a stream at the limit without a
word: the view then reads truncated JSON and answers 400. Here, before any
view, a chunked body is read up to one byte past the limit; over it is a
413, within it the bytes are handed on as they came.
"""

from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge


def read_chunked_body() -> None:
    """Refuse an oversized chunked body; hand a small one on, read whole."""
    environ = request.environ
    limit = request.max_content_length
    if limit is None or request.content_length is not None:
        return  # a declared length is checked by werkzeug itself
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    raw = environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
    environ["wsgi.input"] = io.BytesIO(raw)  # still "terminated": read to its end
    environ["wsgi.input_terminated"] = True
    request.__dict__.pop("stream", None)  # built from the old input if anything asked already


def init_body_limit(app: Flask) -> None:
    """Check bodies before authentication and every view (the first before_request)."""
    app.before_request_funcs.setdefault(None, []).insert(0, read_chunked_body)
