"""The dashboard in headless Chromium on a real stack: key in, ranking table, explanation chart.

A seeded league with a trained champion, a real prefork worker and the API
served over HTTP; a ranking is run through the API first so the table has
rows. The screenshot goes to ``test-artifacts/dashboard.png``. Needs Debian's
``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped with
the reason when they are missing.
"""

from __future__ import annotations

import re
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from app.responses import PredictionAnswer
from prospects.apikeys import create_key
from prospects.db.models import Prospect
from prospects.db.session import session_scope
from tests.api_fixtures import OPEN_LIMITS
from tests.servers import free_port
from tests.stack import prospects_by_standing, stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1250",
)


class Live:
    """The running stack as the browser test sees it."""

    def __init__(self, base: str, key: str, metrics_port: int):
        self.base = base
        self.key = key
        self.metrics_port = metrics_port

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture(scope="module")
def live(tmp_path_factory, redis_dbs) -> Iterator[Live]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install, see .ci/run)")
    pytest.importorskip("selenium", reason="needs selenium (the test extra)")
    tmp = tmp_path_factory.mktemp("dashboard")
    metrics_port = free_port()
    (tmp / "prometheus").mkdir()
    with redis_dbs.take() as db, stack(tmp, db) as s:
        s.env.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
                "CALLUP_WORKER_METRICS_PORT": str(metrics_port),
                "CALLUP_WORKER_METRICS_ADDR": "127.0.0.1",
            }
        )
        s.start_worker(concurrency=1)
        app = create_app(
            {
                "REDIS_URL": s.redis_url,
                "DATABASE_URL": s.env["DATABASE_URL"],
                "CALLUP_PREDICT_RATE_LIMIT": OPEN_LIMITS,
                "CALLUP_POLL_RATE_LIMIT": OPEN_LIMITS,
                "CALLUP_DEFAULT_RATE_LIMIT": OPEN_LIMITS,
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with session_scope() as session:
            key, _ = create_key(session, "scout", "admin")
        here = Live(f"http://127.0.0.1:{server.server_port}", key, metrics_port)
        try:
            yield here  # no ranking yet: the browser starts the first one
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def browser() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, timeout: float = 30.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def test_dashboard_shows_the_ranking_and_an_explanation_chart(live, browser):
    from selenium.webdriver.common.by import By

    browser.get(live.base + "/")
    assert "Paste an API key" in browser.find_element(By.ID, "ranking-message").text

    browser.find_element(By.ID, "api-key").send_keys(live.key)
    browser.find_element(By.ID, "save-key").click()
    _wait(browser, lambda d: "No ranking yet" in d.find_element(By.ID, "ranking-message").text)

    # An admin starts today's ranking from the page and watches its chunks come in.
    browser.find_element(By.ID, "ranking-start").click()
    _wait(
        browser,
        lambda d: (
            "chunks scored" in d.find_element(By.ID, "ranking-progress-text").text
            or d.find_element(By.ID, "ranking-progress-text").text == "Ranking finished."
        ),
    )
    rows = _wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr"),
        timeout=180,
    )
    total = len(rows)
    assert total > 10
    ranks = [int(r.find_elements(By.TAG_NAME, "td")[0].text) for r in rows[:5]]
    assert ranks == sorted(ranks) and ranks[0] == 1

    # Sortable: by name, A→Z.
    browser.find_element(By.CSS_SELECTOR, '#ranking-table th[data-key="name"]').click()
    names = [
        r.find_elements(By.TAG_NAME, "td")[1].text
        for r in browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")[:20]
    ]
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    # Filterable: one organization.
    first = browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")[0]
    org = first.find_elements(By.TAG_NAME, "td")[2].text
    browser.find_element(By.ID, "ranking-filter").send_keys(org)
    filtered = browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")
    assert filtered and len(filtered) < total
    assert all(r.find_elements(By.TAG_NAME, "td")[2].text == org for r in filtered)
    browser.find_element(By.ID, "ranking-filter").clear()
    browser.find_element(By.CSS_SELECTOR, '#ranking-table th[data-key="rank"]').click()

    # Click the top prospect: a real prediction from the worker, drawn as a bar chart.
    browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")[0].click()
    bars = _wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#prediction-chart svg rect.bar")
    )
    assert bars
    assert browser.find_element(By.ID, "narrative").text.strip()
    assert "%" in browser.find_element(By.ID, "prediction-probability").text
    assert browser.find_element(By.ID, "prediction-confidence").text.endswith("confidence")
    # The interval, the concept groups in points, the eligibility and comparable players.
    assert re.fullmatch(
        r"80% interval: \d+\.\d%–\d+\.\d%", browser.find_element(By.ID, "prediction-interval").text
    )
    values = browser.find_elements(By.CSS_SELECTOR, "#prediction-chart svg text.value")
    assert values and all(re.fullmatch(r"[+-]\d+\.\d pts", v.text) for v in values)
    assert "base rate" in browser.find_element(By.ID, "prediction-chart-title").text
    assert browser.find_element(By.ID, "prediction-eligibility").text == (
        "Rookie-eligible, active prospect."
    )
    comparables = browser.find_elements(By.CSS_SELECTOR, "#prediction-comparables tbody tr")
    assert comparables and comparables[0].find_elements(By.TAG_NAME, "td")[5].text in (
        "reached the bar", "reached MLB, short of the bar", "did not reach MLB",
    )  # fmt: skip

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000

    # A player who is not a prospect: the rule that excludes him, no number, no chart.
    # Found by name, not id: several matches are listed, the right one is picked.
    veteran = prospects_by_standing(1, eligible=False, reason="succeeded")[0]
    with session_scope() as session:
        name = session.get(Prospect, veteran).name
    browser.find_element(By.ID, "predict-id").clear()
    browser.find_element(By.ID, "predict-id").send_keys(name)
    browser.find_element(By.ID, "predict-button").click()
    _wait(
        browser,
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, f'#predict-matches [data-prospect-id="{veteran}"]')
            or d.find_element(By.ID, "prediction-probability").text == "not a prospect"
        ),
    )
    listed = browser.find_elements(
        By.CSS_SELECTOR, f'#predict-matches [data-prospect-id="{veteran}"]'
    )
    if listed and listed[0].is_displayed():
        listed[0].click()
    _wait(
        browser,
        lambda d: d.find_element(By.ID, "prediction-probability").text == "not a prospect",
    )
    assert browser.find_element(By.ID, "narrative").text.startswith(f"{name}: Not a prospect:")
    assert browser.find_element(By.ID, "prediction-confidence").text == "succeeded"
    assert name in browser.find_element(By.ID, "prediction-name").text
    assert browser.find_element(By.ID, "prediction-eligibility").text.startswith("Not a prospect:")
    assert not browser.find_elements(By.CSS_SELECTOR, "#prediction-chart svg")
    assert not browser.find_elements(By.CSS_SELECTOR, "#prediction-comparables table")
    browser.save_screenshot(str(ARTIFACTS / "dashboard-not-a-prospect.png"))

    uncaught = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]
    assert not uncaught, uncaught


def test_a_wrong_key_is_explained_not_crashed(live, browser):
    from selenium.webdriver.common.by import By

    browser.get(live.base + "/")
    browser.find_element(By.ID, "api-key").send_keys("cu_not-a-real-key")
    browser.find_element(By.ID, "save-key").click()
    message = _wait(
        browser,
        lambda d: (
            "(401)" in d.find_element(By.ID, "ranking-message").text
            and d.find_element(By.ID, "ranking-message")
        ),
    )
    assert "not accepted" in message.text


def test_real_predictions_match_the_documented_schema_and_reach_the_worker_metrics(live):
    response = requests.post(
        f"{live.base}/api/ml/predict",
        json={"prospect_id": prospects_by_standing(1)[0]},
        headers={**live.auth, "Prefer": "wait=20"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer = PredictionAnswer.model_validate(response.json())
    assert answer.result.model.variant == "champion"

    url = f"http://127.0.0.1:{live.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as scrape:  # noqa: S310 - a local URL
        text = scrape.read().decode()
    assert 'callup_worker_tasks_total{queue="rank"' in text
    assert 'variant="champion"' in text and "callup_worker_predictions_total" in text


def test_the_event_list_shows_a_feed_ingest_job_not_only_its_alert(live, browser, tmp_path):
    """Last in the module: it leaves an alert and a held feed behind (no data is loaded)."""
    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from cli.main import main
    from prospects.feed.location import FolderDrop
    from tests.test_csvio import REPORT, write_csv

    ids = prospects_by_standing(12)
    hindsight = [
        REPORT | {"id": "", "prospect_id": str(i), "report_date": "2015-09-29", "fv": "70"}
        for i in ids
    ]
    write_csv(tmp_path / "files", "scouting_reports.csv", hindsight)
    drop = FolderDrop(tmp_path / "feed")
    drop.put("2026-01-04", tmp_path / "files")
    run = CliRunner().invoke(main, ["ingest-feed", "--url", str(drop.root)])
    assert run.exit_code == 3, run.output  # held: an alert, and the run itself

    browser.get(live.base + "/")
    browser.find_element(By.ID, "api-key").send_keys(live.key)
    browser.find_element(By.ID, "save-key").click()
    browser.find_element(By.ID, "models-refresh").click()
    rows = _wait(
        browser,
        lambda d: (
            [
                [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in d.find_elements(By.CSS_SELECTOR, "table.history tbody tr")
            ]
            or None
        ),
    )
    kinds = {(cells[1], cells[3]): cells[5] for cells in rows}
    assert kinds[("ingest", "cli")].startswith("feed ingest: 2026-01-04: held: back-dated reports")
    assert kinds[("alert", "feed")].startswith("feed batch 2026-01-04 held, retraining held back")
    assert "feed ingests" in browser.find_element(By.ID, "models-body").text
