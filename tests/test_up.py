"""``callup up``: its process supervisor and private Redis, then the real command end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import requests

from cli.up import redis_local
from cli.up.supervisor import Supervisor, group_members
from prospects.jobrecords.records import FAILED, SUCCEEDED

ROOT = Path(__file__).resolve().parent.parent


class _Lines:
    """A thread-safe list of output lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


def test_stopping_reaches_the_whole_process_group_and_prefixes_output(tmp_path):
    out = _Lines()
    supervisor = Supervisor(out, cwd=tmp_path)
    child = supervisor.start(
        "sleepy", ["sh", "-c", "echo hello; sleep 60 & sleep 60"], dict(os.environ)
    )
    deadline = time.monotonic() + 5
    while len(group_members(child.pgid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # sh, and its two sleeps
    assert len(group_members(child.pgid)) >= 2

    supervisor.stop(timeout=5)

    assert group_members(child.pgid) == []
    assert "[sleepy] hello" in out.lines


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path):
    out = _Lines()
    supervisor = Supervisor(out, cwd=tmp_path)
    child = supervisor.start(
        "stubborn", ["sh", "-c", "trap '' TERM; echo ready; sleep 60 & wait"], dict(os.environ)
    )
    deadline = time.monotonic() + 5
    while "[stubborn] ready" not in out.lines and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()

    supervisor.stop(timeout=0.5)

    assert group_members(child.pgid) == []
    assert time.monotonic() - started < 5
    assert any("did not stop" in line for line in out.lines)


def test_a_private_redis_server_starts_on_a_free_port_with_its_data_in_var(tmp_path):
    if not redis_local.shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    supervisor = Supervisor(_Lines(), cwd=tmp_path)
    port = redis_local.free_port()
    url = f"redis://127.0.0.1:{port}/0"
    child = supervisor.start(
        "redis", redis_local.server_command(port, tmp_path / "redis"), dict(os.environ)
    )
    try:
        assert redis_local.wait_until_answers(url)
        redis.Redis.from_url(url).set("k", "v")
    finally:
        supervisor.stop(timeout=5)
    assert group_members(child.pgid) == []
    assert not redis_local.answers(url)
    assert any((tmp_path / "redis").iterdir())  # the append-only file


def test_beat_is_started_without_a_schedule_file(tmp_path):
    """Beat's schedule lives in Redis (SingleBeatScheduler): ``-s`` would write a dead file."""
    from cli.up.run import UpOptions, _commands

    commands = dict(_commands(UpOptions(var_dir=tmp_path), 8000))
    beat = commands["beat"]
    assert beat[beat.index("workers") + 1] == "beat"
    assert "-s" not in beat and "--schedule" not in beat
    assert not any("celerybeat-schedule" in arg for arg in beat)
    assert "beat" not in dict(_commands(UpOptions(beat=False), 8000))


def test_the_worker_runs_the_command_tests_and_benchmarks_start_theirs_with(tmp_path):
    """One builder (``cli.up.commands``) for ``callup up``, tests/stack.py and bench/."""
    from cli.up.commands import worker_command
    from cli.up.run import UpOptions, _commands

    worker = dict(_commands(UpOptions(var_dir=tmp_path, concurrency=3), 8000))["worker"]

    assert worker[worker.index("workers") + 1] == "worker"
    assert worker[worker.index("-Q") + 1] == "predict,rank,train"
    assert worker[worker.index("-c") + 1] == "3"
    assert worker == worker_command(concurrency=3, node=worker[worker.index("-n") + 1])


def test_a_missing_redis_server_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(redis_local.shutil, "which", lambda _name: None)
    with pytest.raises(redis_local.RedisNotInstalled, match="apt-get install redis-server"):
        redis_local.server_command(6390, tmp_path)


# --- the real command -----------------------------------------------------------------------


class _Up:
    """``callup up`` as a subprocess, its output collected line by line."""

    def __init__(self, cwd: Path, env: dict[str, str], *args: str):
        self.out = _Lines()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", "up", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # our SIGINT is the only one it gets
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out(line.rstrip("\n"))
        self.proc.stdout.close()

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.out.text())
            if match:
                return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in callup up's output:\n{self.out.text()[-6000:]}")

    def interrupt(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self, var_dir: Path) -> None:
        """Stop a run a failed assertion left behind, children included: each child leads a
        process group of its own (``var/up.json``), which killing ``up``'s group misses."""
        state = var_dir / "up.json"
        children = json.loads(state.read_text())["children"] if state.exists() else {}
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pgid in children.values():
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _up_env(var_dir: Path, redis_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DATABASE_URL", "MLFLOW_TRACKING_URI", "MLFLOW_ARTIFACT_ROOT", "CALLUP_MODEL_NAME")
    }
    env.update({"REDIS_URL": redis_url, "CALLUP_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
    return env


@pytest.fixture
def up_redis(redis_url):
    """The Redis ``callup up`` is pointed at (``REDIS_URL``): a test's own database."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def _run_until_ready(
    tmp_path: Path, redis_url: str, *args: str
) -> tuple[_Up, str, str, int, dict[str, int]]:
    up = _Up(tmp_path, _up_env(tmp_path / "var", redis_url), "--port", "0", *args)
    try:
        base = up.wait_for(r"\[up\] Callup is ready at (http://\S+)", timeout=150).group(1)
        key = up.wait_for(r"demo API key [^:]*: (cu_\S+)", timeout=5).group(1)
        prospect_id = int(up.wait_for(r'"prospect_id": (\d+)', timeout=5).group(1))
        children = json.loads((tmp_path / "var" / "up.json").read_text())["children"]
    except BaseException:
        up.kill(tmp_path / "var")
        raise
    return up, base, key, prospect_id, children


def _poll_job(url: str, auth: dict[str, str], timeout: float = 120) -> requests.Response:
    """The job's view once it has finished (or the last one seen at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        view = requests.get(url, headers=auth, timeout=10)
        if view.json().get("status") in (SUCCEEDED, FAILED) or time.monotonic() > deadline:
            return view
        time.sleep(0.5)


def _assert_nothing_left(children: dict[str, int]) -> None:
    for name, pgid in children.items():
        assert group_members(pgid) == [], f"{name}'s process group {pgid} outlived callup up"


@pytest.mark.integration
def test_callup_up_serves_a_real_prediction_and_stops_cleanly_on_sigint(
    tmp_path, up_redis, redis_url
):
    up, base, key, prospect_id, children = _run_until_ready(
        tmp_path, redis_url, "--prospects", "400", "--concurrency", "1"
    )
    try:
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        auth = {"Authorization": f"Bearer {key}"}
        answer = requests.post(
            f"{base}/api/ml/predict",
            json={"prospect_id": prospect_id},
            headers={**auth, "Prefer": "wait=10"},
            timeout=30,
        )
        # A loaded machine may answer past the wait (the one worker process is also building
        # today's board): the 202 names the job to poll, as a client would.
        if answer.status_code == 202:
            answer = _poll_job(f"{base}{answer.json()['status_url']}", auth)
        assert answer.status_code == 200, answer.text
        assert 0 <= answer.json()["result"]["probability"] <= 1
        assert set(children) == {"worker", "beat", "api"}  # Redis came from REDIS_URL
        # A new user's board is not empty: up asked for today's ranking itself.
        assert "ranking: building today's board" in up.out.text()
        deadline = time.monotonic() + 120
        while True:
            board = requests.get(f"{base}/api/ml/rankings/latest", headers=auth, timeout=10)
            if board.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert board.status_code == 200, board.text
        assert board.json()["items"] and board.json()["items"][0]["interval"] is not None
    except BaseException:
        up.kill(tmp_path / "var")
        raise

    assert up.interrupt() == 0, up.out.text()[-4000:]
    _assert_nothing_left(children)
    assert not (tmp_path / "var" / "up.json").exists()
    output = up.out.text()
    for prefix in ("[api] ", "[worker] ", "[beat] "):
        assert prefix in output
    assert "[up] stopped" in output
    # Beat kept its schedule in Redis: no schedule file anywhere under the run's directory.
    assert not list(tmp_path.rglob("celerybeat-schedule*"))

    # A second run reuses the league and the champion; Ctrl-C while it is still starting
    # stops what it has started too.
    again = _Up(tmp_path, _up_env(tmp_path / "var", redis_url), "--port", "0", "--no-beat")
    try:
        again.wait_for(r"model: reusing champion version 1", timeout=90)
        children = json.loads((tmp_path / "var" / "up.json").read_text())["children"]
    except BaseException:
        again.kill(tmp_path / "var")
        raise
    assert again.interrupt() == 0
    _assert_nothing_left(children)
    output = again.out.text()
    assert "league: reusing the 400 prospects" in output
    assert "no champion yet" not in output and "[beat]" not in output


@pytest.mark.integration
def test_callup_demo_seeds_and_trains_once_then_reuses_both(
    tmp_path, monkeypatch, up_redis, redis_url
):
    from click.testing import CliRunner

    from cli.main import main
    from prospects.db.session import reset_engine

    for name in (
        "DATABASE_URL",
        "MLFLOW_TRACKING_URI",
        "MLFLOW_ARTIFACT_ROOT",
        "CALLUP_MODEL_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDIS_URL", redis_url)
    reset_engine()
    try:
        first = CliRunner().invoke(main, ["demo", "--prospects", "300"])
        second = CliRunner().invoke(main, ["demo", "--prospects", "300"])
    finally:
        reset_engine()

    assert first.exit_code == 0, first.output
    assert "300 prospects" in first.output and "registered version 1" in first.output
    assert second.exit_code == 0, second.output
    assert "reusing the 300 prospects" in second.output
    assert "champion: prospect-success version 1" in second.output
    assert up_redis.get("callup:alias:champion") == b"1"


def test_a_second_callup_up_on_the_same_var_dir_is_refused(tmp_path):
    import click

    from cli.up.run import PIDFILE, UpOptions, run_up

    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / PIDFILE).write_text(json.dumps({"pid": os.getppid(), "children": {}}))

    with pytest.raises(click.ClickException, match="already running"):
        run_up(UpOptions(var_dir=var_dir), echo=lambda _line: None)
