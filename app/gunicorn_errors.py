"""JSON for the errors gunicorn answers itself, before the app sees the request.

A malformed request line, an oversized header (431) or a bad chunk size is
refused by gunicorn's parser with a small HTML page; every other error of
this API is JSON (``app.errors``). Gunicorn has no hook for that page, so
``install`` swaps its one writer, ``gunicorn.util.write_error``, for one that
answers the API's error shape. ``gunicorn.conf.py`` installs it in the master
process, before the workers fork.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from app.errors import http_error_code


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Gunicorn's ``write_error`` with the body ``{"error": {"code", "message"}}``."""
    code = http_error_code(status_int)
    body = json.dumps({"error": {"code": code, "message": mesg or reason}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Make every gunicorn worker forked from here answer its own errors in JSON."""
    util.write_error = write_json_error
