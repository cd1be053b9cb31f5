"""Under gunicorn with several processes, ``/metrics`` adds up every process's counts.

With ``PROMETHEUS_MULTIPROC_DIR`` set, whichever process answers the scrape
reports the requests all of them served; without it, each would report only
its own and the totals would jump between scrapes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 30

pytestmark = pytest.mark.integration


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "callup_http_requests_total"
                and sample.labels.get("endpoint") == "/healthz"
                and sample.labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_gunicorn_workers_report_one_total(tmp_path, sqlite_url, redis_test_url):
    port = free_port()
    prom_dir = tmp_path / "prometheus"
    prom_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(prom_dir),
        "DATABASE_URL": sqlite_url,
        "REDIS_URL": redis_test_url,
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "app:create_app()",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/docs", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or workers still booting
                pass
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

        for _ in range(REQUESTS):  # a new connection each: the kernel spreads them
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200

        for _ in range(6):  # whichever process answers, the same total
            scrape = requests.get(f"{base}/metrics", timeout=5)
            assert scrape.status_code == 200
            assert _healthz_count(scrape.text) == REQUESTS
            assert "python_gc_objects_collected_total" not in scrape.text  # the aggregate view
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
