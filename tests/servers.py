"""Private servers a test may stop and start again: Redis, PostgreSQL, MLflow, gunicorn, a TCP gate.

The shared Redis on 6379 and PostgreSQL on 5432 are never stopped; a test
that takes a dependency down starts its own copy on a free port first.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from glob import glob
from pathlib import Path
from typing import IO

from cli.up.commands import api_command
from cli.up.redis_local import free_port  # the one free-port finder, for tests and bench/

ROOT = Path(__file__).resolve().parent.parent


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen | None, timeout: float = 15, fast: bool = False) -> None:
    """SIGTERM the process group (SIGKILL if it lingers); ``fast``: SIGKILL it at once.

    The whole group, always: ``mlflow server`` leaves job-runner children behind
    that outlive a SIGTERM to their parent.
    """
    if proc is None:
        return
    if not fast and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)


class RedisServer:
    """A throwaway redis-server on a fixed port, without persistence unless asked."""

    def __init__(
        self, port: int | None = None, appendonly: bool = False, workdir: Path | None = None
    ):
        self.port = port or free_port()
        self.appendonly = appendonly
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def base(self) -> str:
        """The server's URL without a database number (``stack`` adds one)."""
        return f"redis://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Database 0 of this server."""
        return f"{self.base()}/0"

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--save", ""]
        cmd += ["--appendonly", "yes" if self.appendonly else "no"]
        if self.workdir is not None:
            cmd += ["--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for(lambda: port_open(self.port), 10, f"redis on {self.port}")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    """A private PostgreSQL cluster (initdb in a temporary folder) that a test can stop."""

    def __init__(self, port: int | None = None):
        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 folders.
        self.root = Path(tempfile.mkdtemp(prefix="callup-pg-"))
        self.port = port or free_port()
        self.bindir = _pg_bindir()
        self.data = self.root / "data"

    @classmethod
    def available(cls) -> bool:
        """Whether this machine has the PostgreSQL server binaries (and can run them)."""
        return _pg_bindir() is not None and (os.geteuid() != 0 or bool(shutil.which("runuser")))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stderr or done.stdout}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop it if it runs, and delete the cluster."""
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class TcpGate:
    """A loopback TCP forwarder that can refuse connections: a dependency "down" and "back".

    Closing the gate closes its listener and every connection through it, so
    clients get "connection refused", as from a stopped server, while the
    server behind it keeps running (restarting MLflow costs ten seconds).
    """

    def __init__(self, target_port: int, port: int | None = None):
        self.target_port = target_port
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._silenced: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def silence_connections(self) -> None:
        """Drop everything sent on the connections open now, without closing them.

        As a server that restarted on a host that vanished: the client's pooled
        connection looks alive, its next command is never answered. New
        connections go through as before.
        """
        with self._lock:
            self._silenced.update(self._conns)

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
            except OSError:
                pass
            listener.close()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if source not in self._silenced:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            source.close()  # each direction closes where it reads; the other side follows


class MlflowServer:
    """``mlflow server`` on a store the test process trained into (started once: it is slow)."""

    def __init__(self, root: Path, backend_uri: str, artifact_root: str, port: int | None = None):
        self.root = root
        self.backend_uri = backend_uri
        self.artifact_root = artifact_root
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log: IO[str] | None = None

    def start(self) -> None:
        """Start it; ``wait`` for it before use (it takes several seconds to import)."""
        self.log = open(self.root / "mlflow-server.log", "w")  # noqa: SIM115 - closed by stop
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--workers", "1"]
            + ["--backend-store-uri", self.backend_uri]
            + ["--default-artifact-root", self.artifact_root],
            cwd=self.root,
            # No job runner: it forks a dozen consumers (CPU at start-up) that nothing here uses.
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout: float = 90) -> None:
        import requests

        def healthy() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited; see {self.root / 'mlflow-server.log'}")
            try:
                return requests.get(f"http://127.0.0.1:{self.port}/health", timeout=1).ok
            except requests.RequestException:
                return False

        wait_for(healthy, timeout, "mlflow server start")

    def stop(self) -> None:
        stop_process(self.process, fast=True)  # a test's server: nothing to shut down cleanly
        self.process = None
        if self.log is not None:
            self.log.close()


class Gunicorn:
    """The API as production runs it: ``gunicorn "app:create_app()"`` with gthread workers."""

    def __init__(self, root: Path, env: dict[str, str], workers: int = 2, threads: int = 8):
        self.root = root
        self.env = env
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log: IO[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log = open(self.root / "gunicorn.log", "w")  # noqa: SIM115 - closed by stop
        bind = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            api_command(bind, workers=self.workers, threads=self.threads),
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout: float = 60) -> None:
        import requests

        def up() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.root / 'gunicorn.log'}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        wait_for(up, timeout, "gunicorn start")

    def stop(self) -> None:
        stop_process(self.process, fast=True)  # a test's server: nothing to shut down cleanly
        self.process = None
        if self.log is not None:
            self.log.close()
