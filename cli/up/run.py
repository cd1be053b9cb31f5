"""``callup up`` from start to Ctrl-C: Redis, bootstrap, the three processes, readiness, stop.

The processes are started by command line, never imported: the API and the
workers run exactly as they would in production (gunicorn, ``celery -A
workers``), with the same environment this command settled on.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click

from cli.up import bootstrap, redis_local
from cli.up.commands import api_command, beat_command, worker_command
from cli.up.supervisor import Supervisor

Echo = Callable[[str], None]
PIDFILE = "up.json"  # under the var dir while running: our pid and each child's


@dataclass(frozen=True)
class UpOptions:
    """What ``callup up`` was asked for."""

    host: str = "127.0.0.1"
    port: int = 8000
    n_prospects: int = 3000
    var_dir: Path = Path("var")
    beat: bool = True
    concurrency: int = 2
    ready_timeout: float = 180.0
    stop_timeout: float = 15.0


class _Interrupted(Exception):
    """Ctrl-C or SIGTERM while preparing (before the processes run)."""


class _Stopper:
    """SIGINT/SIGTERM/SIGHUP → a flag; while preparing, also an exception that ends the step."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.preparing = True

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.requested.set()
        if self.preparing:
            self.preparing = False  # once: a second signal must not cut the cleanup short
            raise _Interrupted(signal.Signals(signum).name)

    @contextmanager
    def installed(self) -> Iterator[None]:
        # SIGHUP too: a closed terminal must not orphan the children (they have their own
        # sessions, so the terminal's signals reach only us).
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, self) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def run_up(options: UpOptions, echo: Echo = click.echo) -> int:
    """Run everything until Ctrl-C (exit 0) or until a process dies (exit 1)."""
    var_dir = options.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    _refuse_second_instance(var_dir)
    supervisor = Supervisor(echo)
    stopper = _Stopper()

    def say(line: str) -> None:
        supervisor.say("up", line)

    with stopper.installed():
        try:
            return _run(options, var_dir, supervisor, stopper, say)
        except _Interrupted as exc:
            say(f"{exc}: stopping")
            return 0
        finally:
            stopper.preparing = False  # a second Ctrl-C must not cut the shutdown short
            if supervisor.children:
                say("stopping: " + ", ".join(c.name for c in reversed(supervisor.children)))
            supervisor.stop(timeout=options.stop_timeout)
            (var_dir / PIDFILE).unlink(missing_ok=True)
            say("stopped")


def _run(
    options: UpOptions, var_dir: Path, supervisor: Supervisor, stopper: _Stopper, say: Echo
) -> int:
    os.environ["CALLUP_VAR_DIR"] = str(var_dir)
    os.environ["REDIS_URL"] = _redis_url(var_dir, supervisor, say)
    _write_pidfile(var_dir, supervisor)

    bootstrap.prepare_schema()
    say("schema ready")
    bootstrap.ensure_league(options.n_prospects, say)
    # Looked up before any child starts: the first look creates an embedded MLflow store,
    # which two processes must not do at once.
    champion = bootstrap.champion_version()

    port = _choose_port(options.host, options.port, say)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name, argv in _commands(options, port):
        child = supervisor.start(name, argv, env)
        say(f"started {name} (pid {child.proc.pid}): {shlex.join(argv[1:])}")
        _write_pidfile(var_dir, supervisor)

    if champion is None:  # trains while the processes import and start (they wait for it)
        say("model: no champion yet, training one while the processes start")
        champion = bootstrap.train_champion(say)
    else:
        say(f"model: reusing champion version {champion}")
    bootstrap.announce_champion(champion)
    key = bootstrap.create_demo_key()
    prospect_id = bootstrap.demo_prospect_id()
    stopper.preparing = False

    base = f"http://{_display_host(options.host)}:{port}"
    if not _wait_ready(base, supervisor, stopper, options.ready_timeout, say):
        return 0 if stopper.requested.is_set() else 1
    _start_todays_ranking(base, key, say)
    _banner(base, key, prospect_id, say)
    while not stopper.requested.wait(0.5):
        dead = supervisor.exited()
        if dead is not None:
            say(f"{dead.name} exited with status {dead.proc.returncode}: stopping the rest")
            return 1
    say("stop requested")
    return 0


def _redis_url(var_dir: Path, supervisor: Supervisor, say: Echo) -> str:
    """``$REDIS_URL``, else a Redis on 127.0.0.1:6379, else a private redis-server we start."""
    url = os.environ.get("REDIS_URL")
    if url:
        if not redis_local.answers(url, timeout=2.0):
            raise click.ClickException(f"REDIS_URL={url} does not answer PING")
        say(f"redis: using REDIS_URL {url}")
        return url
    if redis_local.answers(redis_local.LOCAL_URL):
        say(f"redis: using the one at {redis_local.LOCAL_URL}")
        return redis_local.LOCAL_URL
    try:
        port = redis_local.free_port()
        argv = redis_local.server_command(port, var_dir / "redis")
    except redis_local.RedisNotInstalled as exc:
        raise click.ClickException(str(exc)) from exc
    child = supervisor.start("redis", argv, os.environ)
    url = f"redis://127.0.0.1:{port}/0"
    if not redis_local.wait_until_answers(url):
        raise click.ClickException(f"redis-server (pid {child.proc.pid}) did not answer at {url}")
    say(f"redis: started redis-server (pid {child.proc.pid}) at {url}, data in {var_dir}/redis")
    return url


def _commands(options: UpOptions, port: int) -> list[tuple[str, list[str]]]:
    """Worker first (it warms up slowest), Beat, then the API."""
    node = f"up-{os.getpid()}@%h"
    commands = [("worker", worker_command(concurrency=options.concurrency, node=node))]
    if options.beat:
        commands.append(("beat", beat_command()))
    commands.append(("api", api_command(f"{options.host}:{port}")))
    return commands


def _choose_port(host: str, wanted: int, say: Echo) -> int:
    if wanted and redis_local.port_is_free(host, wanted):
        return wanted
    port = redis_local.free_port(host)
    if wanted:
        say(f"port {wanted} is taken: using {port}")
    return port


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def _wait_ready(
    base: str, supervisor: Supervisor, stopper: _Stopper, timeout: float, say: Echo
) -> bool:
    """Poll ``/readyz`` until 200; False on a stop request, a dead child or the timeout."""
    deadline = time.monotonic() + timeout
    next_report = time.monotonic() + 10
    pending = "the API"
    while not stopper.requested.is_set():
        dead = supervisor.exited()
        if dead is not None:
            say(f"{dead.name} exited with status {dead.proc.returncode} before ready")
            return False
        status, body = _get_json(f"{base}/readyz")
        if status == 200:
            return True
        if body:
            checks = body.get("checks", {})
            pending = ", ".join(name for name, c in checks.items() if not c.get("ok")) or pending
        now = time.monotonic()
        if now >= deadline:
            say(f"not ready after {timeout:g} s (waiting for {pending}): giving up")
            return False
        if now >= next_report:
            say(f"waiting for {pending}")
            next_report = now + 10
        stopper.requested.wait(0.5)
    return False


def _get_json(url: str) -> tuple[int | None, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own URL
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.load(exc)
        except ValueError:
            return exc.code, None
    except (OSError, ValueError):
        return None, None


def _start_todays_ranking(base: str, key: str, say: Echo) -> None:
    """Ask for today's board through the API, so a new user's dashboard is not empty.

    The API reuses a finished ranking of the same model, data and day, so a
    second ``callup up`` the same day queues nothing. Best effort: a refusal is
    reported, not fatal.
    """
    request = urllib.request.Request(  # noqa: S310 - our own URL
        f"{base}/api/ml/rankings",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = json.load(response)
    except (OSError, ValueError) as exc:
        say(f"ranking: could not start today's board ({exc}); POST /api/ml/rankings starts one")
        return
    if body.get("reused"):
        say("ranking: today's board is already built")
    else:
        say(f"ranking: building today's board (job {body.get('job_id')}); the dashboard shows it")


def _banner(base: str, key: str, prospect_id: int | None, say: Echo) -> None:
    body = json.dumps({"prospect_id": prospect_id if prospect_id is not None else 1})
    say(f"Callup is ready at {base}  (health {base}/readyz)")
    say(f"demo API key (user {bootstrap.DEMO_USER}, role {bootstrap.DEMO_ROLE}): {key}")
    say("try:")
    say(
        f"  curl -s -X POST {base}/api/ml/predict -H 'Authorization: Bearer {key}' "
        f"-H 'Content-Type: application/json' -H 'Prefer: wait=10' -d '{body}'"
    )
    say("Ctrl-C stops everything.")


def _refuse_second_instance(var_dir: Path) -> None:
    pidfile = var_dir / PIDFILE
    try:
        pid = int(json.loads(pidfile.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return  # a stale file from a run that was killed
    except PermissionError:
        pass
    raise click.ClickException(f"callup up is already running on {var_dir} (pid {pid})")


def _write_pidfile(var_dir: Path, supervisor: Supervisor) -> None:
    """Our pid and each child's (= its process group), for operators and tests."""
    data = {"pid": os.getpid(), "children": supervisor.pids()}
    tmp = var_dir / f"{PIDFILE}.tmp"
    tmp.write_text(json.dumps(data))
    tmp.replace(var_dir / PIDFILE)
