"""Regenerate the lock files from setup.cfg: ``python requirements/lock.py`` (a few minutes).

pip resolves ``callup[server,test,dev]`` and ``callup[server]`` without
installing anything (``--dry-run --report``) and the pins it chose are written
to ``constraints.txt`` (CI: every extra) and ``server.txt`` (the image). Run it
on Linux with CPython 3.12, the platform both are for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADERS = {
    "constraints.txt": (
        "# Every dependency of callup[server,test,dev], pinned: what CI (.ci/run) installs, as\n"
        "# pip constraints. Linux, CPython 3.12. Regenerate after changing setup.cfg:\n"
        "#   python requirements/lock.py\n"
    ),
    "server.txt": (
        "# The image's dependencies (callup[server], no test or dev tools), pinned: installed by\n"
        "# the Dockerfile before the source is copied, so a code change reuses this layer.\n"
        "# Linux, CPython 3.12. Same pins as constraints.txt. Regenerate:\n"
        "#   python requirements/lock.py\n"
    ),
}
TARGETS = {"constraints.txt": ".[server,test,dev]", "server.txt": ".[server]"}


def resolve(target: str) -> list[tuple[str, str]]:
    """(name, version) of everything pip would install for ``target``, callup itself left out."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed"]
            + ["--report", str(report), target],
            cwd=ROOT,
            check=True,
        )
        installs = json.loads(report.read_text())["install"]
    found = {
        (i["metadata"]["name"].lower().replace("_", "-"), i["metadata"]["version"])
        for i in installs
    }
    return sorted(pin for pin in found if pin[0] != "callup")


def main() -> None:
    for name, target in TARGETS.items():
        pins = resolve(target)
        (HERE / name).write_text(HEADERS[name] + "".join(f"{n}=={v}\n" for n, v in pins))
        print(f"{name}: {len(pins)} pins")


if __name__ == "__main__":
    main()
