"""The import rules as a contract: ``lint-imports`` (import-linter) against setup.cfg.

The contracts (``[importlinter]`` in setup.cfg): ``prospects`` imports none of
its users; the edges (``app``, ``cli``) sit above ``tasks``, ``workers``,
``schedules`` and ``prospects``; the edges send tasks by name; the API never
imports the ML stack; no import circles, function-level imports included. The
last two tests show the check can fail: a copy of the tree with one forbidden
arrow, or one circle, breaks it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "cli", "tasks", "workers", "schedules", "prospects")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the tree at ``root`` (its packages first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "setup.cfg")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contract_holds():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The packages' Python sources and setup.cfg, copied where a test may break them."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda _dir, names: [
                n for n in names if not n.endswith(".py") and not (Path(_dir) / n).is_dir()
            ],
        )
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


@pytest.mark.parametrize(
    ("module", "code", "broken"),
    [
        (
            # the arrow DESIGN rules out: the domain reaching for the worker runtime
            "prospects/ranking/chunk.py",
            "\n\ndef _sender():\n    from workers.celery_app import make_celery\n\n"
            "    return make_celery()\n",
            "the domain (prospects) imports none of its users BROKEN",
        ),
        (
            # the API loading the ML stack
            "app/blueprints/health.py",
            "\n\ndef _model():\n    import xgboost\n\n    return xgboost\n",
            "the API process never loads the ML stack BROKEN",
        ),
        (
            # one of the circles issue 16 broke, put back
            "prospects/training/register.py",
            "\n\ndef _decide():\n"
            "    from prospects.lifecycle.registration import record_registration\n\n"
            "    return record_registration\n",
            "no import circles: sibling modules and packages at every depth BROKEN",
        ),
        (
            "app/extensions.py",
            "\n\ndef _limiter():\n    from app.limits import limiter\n\n    return limiter\n",
            "no import circles: sibling modules and packages at every depth BROKEN",
        ),
    ],
    ids=["domain-imports-worker", "api-imports-xgboost", "training-lifecycle", "app-limits"],
)
def test_a_forbidden_arrow_or_a_circle_fails_the_check(tree_copy, module, code, broken):
    assert lint_imports(tree_copy).returncode == 0  # the copy passes as the tree does
    _append(tree_copy / module, code)
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout
