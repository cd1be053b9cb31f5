"""Gunicorn's own refusals (a malformed request line, oversized headers) answer JSON too."""

from __future__ import annotations

import json
import socket

import pytest

from tests.servers import Gunicorn


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    root = tmp_path_factory.mktemp("gunicorn")
    env = {
        "DATABASE_URL": f"sqlite:///{root / 'callup.db'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # not needed: these requests never reach the app
    }
    server = Gunicorn(root, env, workers=1, threads=2)
    server.start()
    try:
        server.wait()
        yield server
    finally:
        server.stop()


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers, body


def test_a_malformed_request_line_is_a_json_400(api):
    status, headers, body = _raw(api.port, b"NOT A REQUEST\r\n\r\n")

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and error["message"]


def test_an_oversized_header_is_a_json_431(api):
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"

    status, headers, body = _raw(api.port, request)

    assert status == 431
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "headers_too_large"
