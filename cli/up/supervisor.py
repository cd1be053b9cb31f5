"""Child processes, each in its own process group, with their output prefixed by name.

A process group per child lets a stop reach what the child started itself
(gunicorn's workers, Celery's pool) and keeps the terminal's Ctrl-C away
from the children, so the shutdown order is ours: a polite SIGTERM to each
leader, then SIGKILL to whatever is left of its group after a timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Echo = Callable[[str], None]


@dataclass
class Child:
    """One started process and the thread that relays its output."""

    name: str
    proc: subprocess.Popen[str]
    relay: threading.Thread

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session=True: the child leads its own group


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel about the group as a whole
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp ...
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


class Supervisor:
    """Starts children, relays their lines as ``[name] line``, and stops them all."""

    def __init__(self, echo: Echo, cwd: Path | None = None):
        self._echo = echo
        self._echo_lock = threading.Lock()
        self.cwd = cwd
        self.children: list[Child] = []

    def say(self, name: str, line: str) -> None:
        """One line with a name prefix; lines from several threads never interleave."""
        with self._echo_lock:
            self._echo(f"[{name}] {line}")

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Child:
        """Start ``argv`` in a new session (its own process group) and relay its output."""
        proc = subprocess.Popen(
            list(argv),
            cwd=self.cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        relay = threading.Thread(target=self._relay, args=(name, proc), daemon=True)
        relay.start()
        child = Child(name, proc, relay)
        self.children.append(child)
        return child

    def _relay(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.say(name, line.rstrip("\n"))
        proc.stdout.close()

    def pids(self) -> dict[str, int]:
        """Each child's pid (also its process group id) by name."""
        return {child.name: child.proc.pid for child in self.children}

    def exited(self) -> Child | None:
        """The first child that is no longer running, if any."""
        for child in self.children:
            if child.proc.poll() is not None:
                return child
        return None

    def stop(self, timeout: float = 10.0, last: Sequence[str] = ("redis",)) -> None:
        """Stop every child (those named in ``last`` after the others); leave nothing behind."""
        first = [c for c in reversed(self.children) if c.name not in last]
        final = [c for c in reversed(self.children) if c.name in last]
        for batch in (first, final):
            if batch:
                self._stop_batch(batch, timeout)
        for child in self.children:
            child.relay.join(timeout=2)
        self.children.clear()

    def _stop_batch(self, batch: list[Child], timeout: float) -> None:
        for child in batch:
            if child.proc.poll() is None:
                _signal(child.proc.pid, signal.SIGTERM)  # the leader shuts down its own
        deadline = time.monotonic() + timeout
        orphans_termed: set[int] = set()
        while time.monotonic() < deadline:
            alive = False
            for child in batch:
                if not group_members(child.pgid):
                    continue
                alive = True
                # The leader is gone but left processes behind: ask them to go too.
                if child.proc.poll() is not None and child.pgid not in orphans_termed:
                    orphans_termed.add(child.pgid)
                    _signal_group(child.pgid, signal.SIGTERM)
            if not alive:
                for child in batch:
                    child.proc.poll()
                return
            time.sleep(0.1)
        for child in batch:
            if group_members(child.pgid):
                self.say("up", f"{child.name} did not stop in {timeout:g} s: killing it")
                _signal_group(child.pgid, signal.SIGKILL)
        for child in batch:
            try:
                child.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(group_members(c.pgid) for c in batch):
            time.sleep(0.05)


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
