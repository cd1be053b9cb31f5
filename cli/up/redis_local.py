"""A Redis for ``callup up``: ``$REDIS_URL``, the usual local one, or a private ``redis-server``.

The private server listens on 127.0.0.1 only, on a free port, and keeps its
append-only file under the var dir, so queued jobs survive a restart of
``callup up`` the way they would with a real Redis.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import redis

LOCAL_URL = "redis://127.0.0.1:6379/0"
INSTALL_HINT = (
    "callup up needs Redis, and redis-server is not installed and nothing answers on "
    "127.0.0.1:6379. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; "
    "macOS: `brew install redis`; or `docker run -p 6379:6379 redis:7`), or point "
    "REDIS_URL at a Redis you run."
)


class RedisNotInstalled(RuntimeError):
    """No ``redis-server`` binary on PATH."""


def answers(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis at ``url`` answers PING within ``timeout`` seconds."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """True when ``port`` on ``host`` can be bound (nobody listens there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def server_command(port: int, data_dir: Path) -> list[str]:
    """The ``redis-server`` command line for a private server on ``port``."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisNotInstalled(INSTALL_HINT)
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--save",
        "",
        "--daemonize",
        "no",
    ]


def wait_until_answers(url: str, timeout: float = 10.0) -> bool:
    """Poll ``url`` until it answers PING or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url, timeout=0.3):
            return True
        time.sleep(0.05)
    return False
