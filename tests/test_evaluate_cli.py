"""``callup evaluate`` and the demo prospect, on a small league with a real registry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from prospects.db.session import reset_engine
from tests.stack import prospects_by_standing, stack_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory, redis_dbs) -> Iterator[dict[str, str]]:
    with redis_dbs.take() as db:
        yield from _seeded_and_trained(tmp_path_factory.mktemp("evaluate"), redis_dbs.url(db))


def _seeded_and_trained(root: Path, redis_url: str) -> Iterator[dict[str, str]]:
    values = stack_env(root, redis_url, model_name="prospect-success-evaluate")
    runner = CliRunner()
    seeded = runner.invoke(main, ["seed", "--prospects", "900", "--seed", "3"], env=values)
    assert seeded.exit_code == 0, seeded.output
    trained = runner.invoke(
        main,
        [
            "train",
            "--n-estimators",
            "40",
            "--learning-rate",
            "0.2",
            "--early-stopping-rounds",
            "10",
        ],
        env=values,
    )
    assert trained.exit_code == 0, trained.output
    values["train_output"] = trained.output
    yield values
    reset_engine(values["DATABASE_URL"])


def test_callup_train_prints_the_honest_report_and_the_refit(env):
    out = env["train_output"]
    assert "registered version 1 (champion: first registered version)" in out
    assert "registered model: refit on all" in out
    assert "level + age" in out and "95% intervals" in out


def test_callup_evaluate_prints_every_table_and_writes_the_file(env, tmp_path):
    report = tmp_path / "model-card.txt"
    values = {k: v for k, v in env.items() if k != "train_output"}
    done = CliRunner().invoke(main, ["evaluate", "--output", str(report)], env=values)
    assert done.exit_code == 0, done.output
    text = report.read_text(encoding="utf-8")
    assert "settings: champion v1's settings: 40 trees max" in text
    for table in (
        "AUC [95% CI]",
        "level + age",
        "model − level + age AUC:",
        "within level",
        "by role",
        "feature-family ablation",
        "league calibration against published figures",
    ):
        assert table in text, table
    for family in ("bio", "progression", "hitting", "pitching", "scouting", "history"):
        assert f"\n{family} " in text, family
    assert text.strip() in done.output


def test_callup_evaluate_on_an_empty_league_says_so(tmp_path):
    values = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "CALLUP_VAR_DIR": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "init"], env=values).exit_code == 0
    done = runner.invoke(main, ["evaluate", "--no-ablation"], env=values)
    reset_engine(values["DATABASE_URL"])
    assert done.exit_code == 1
    assert "the league is empty" in done.output


def test_the_demo_prospect_is_an_eligible_one(env, monkeypatch):
    from cli.up.bootstrap import demo_prospect_id

    for key, value in env.items():
        if key != "train_output":
            monkeypatch.setenv(key, value)
    pid = demo_prospect_id()
    assert pid in prospects_by_standing(10**6, on=datetime.now(UTC).date())


def test_evaluate_output_is_documented(env):
    card = Path(__file__).resolve().parent.parent / "docs" / "model-card.md"
    text = card.read_text(encoding="utf-8")
    assert "callup evaluate" in text and "level + age" in text
