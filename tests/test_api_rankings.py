"""The ranking endpoints without a worker: roles, validation, deduplication, reuse, reading.

Snapshots are written here the way a finished job leaves them; the integration
tests (test_rankings_integration.py) run the real jobs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from app.schemas import today_utc
from prospects import config
from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobs import JobStore
from prospects.ranking.filters import RankingFilters
from prospects.ranking.store import RankingSpec, claim_snapshot, finalize_snapshot, write_entries

ROOT = Path(__file__).resolve().parents[1]


def _entry(pid: int, probability: float, org: str, position: str, age: float) -> dict:
    return {
        "prospect_id": pid,
        "probability": probability,
        "confidence": "high",
        "top_factors": {
            "for": [
                {
                    "feature": "sc_fv",
                    "label": "FV",
                    "value": 0.5,
                    "display": "FV 55",
                    "contribution": 0.4,
                }
            ],
            "against": [{"feature": "age", "label": "age", "value": age, "contribution": -0.1}],
            "interval": {"low": probability - 0.05, "high": probability + 0.05, "level": 0.8},
            "top_group": {
                "concept": "scouting",
                "label": "scouting reports",
                "points": 12.3,
                "text": "scouting reports +12.3 points",
            },
        },
        "prospect_name": f"Player {pid}",
        "organization": org,
        "position": position,
        "kind": "pitcher" if position in ("SP", "RP") else "hitter",
        "level": "AA",
        "age": age,
    }


@pytest.fixture
def board(sqlite_url, redis_client) -> int:
    """A finished full-board snapshot of four prospects by champion v7, as of today."""
    spec = RankingSpec(RankingFilters(), today_utc(), config.model_name(), 7, "champion", "dv")
    rows = [
        _entry(101, 0.30, "NYY", "SS", 21.5),
        _entry(102, 0.80, "BOS", "CF", 19.0),
        _entry(103, 0.55, "NYY", "SP", 23.0),
        _entry(104, 0.10, "SEA", "RP", 25.0),
    ]
    with session_scope(sqlite_url) as session:
        snapshot, _ = claim_snapshot(session, spec, "job-board-1", "alice")
        snapshot.total = len(rows)
        write_entries(session, snapshot.id, rows)
        finalize_snapshot(session, snapshot.id)
        return snapshot.id


def _data_version(redis_client, version: str = "dv") -> None:
    redis_client.set("callup:data_version", version, ex=600)


def test_viewers_may_not_start_a_ranking(client, make_key, queued):
    viewer = {"Authorization": f"Bearer {make_key('vic', 'viewer')}"}
    response = client.post("/api/ml/rankings", json={}, headers=viewer)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert queued("rank") == []


def test_analyst_gets_202_and_one_coordinator_message(client, headers, queued):
    body = {"organization": "nyy", "kind": "hitter", "min_age": 18, "max_age": 24.5}
    response = client.post("/api/ml/rankings", json=body, headers=headers)

    assert response.status_code == 202
    job_id = response.get_json()["job_id"]
    assert response.headers["Location"] == f"/api/ml/jobs/{job_id}"
    [message] = queued("rank")
    assert message["id"] == job_id and message["task"] == "callup.rank"
    assert message["kwargs"]["filters"] == {
        "organization": "NYY",
        "kind": "hitter",
        "min_age": 18.0,
        "max_age": 24.5,
    }
    assert message["kwargs"]["requested_by"] == "alice"
    job = client.get(f"/api/ml/jobs/{job_id}", headers=headers).get_json()
    assert job["status"] == "queued" and job["kind"] == "rank"


def test_no_body_ranks_the_whole_board(client, headers, queued):
    assert client.post("/api/ml/rankings", headers=headers).status_code == 202
    assert queued("rank")[0]["kwargs"]["filters"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "AAAA"}, "level"),
        ({"organization": "N1Y"}, "organization"),
        ({"kind": "catcher"}, "kind"),
        ({"min_age": "20"}, "min_age"),
        ({"min_age": 9}, "min_age"),
        ({"min_age": 25, "max_age": 20}, None),
        ({"position": "SP", "kind": "hitter"}, None),
        ({"model_version": 0}, "model_version"),
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"team": "NYY"}, "team"),
    ],
)
def test_bad_filters_are_422_and_enqueue_nothing(client, headers, queued, body, field):
    response = client.post("/api/ml/rankings", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    if field:
        assert error["field"] == field
    assert queued("rank") == []


def test_an_identical_request_in_flight_gets_the_same_job(client, headers, make_key, queued):
    body = {"level": "AA", "position": "SS"}
    first = client.post("/api/ml/rankings", json=body, headers=headers)
    other = {"Authorization": f"Bearer {make_key('bob', 'analyst')}"}
    second = client.post("/api/ml/rankings", json=body, headers=other)
    different = client.post("/api/ml/rankings", json={"level": "AAA"}, headers=headers)

    assert second.status_code == 202
    assert second.get_json()["job_id"] == first.get_json()["job_id"]
    assert different.get_json()["job_id"] != first.get_json()["job_id"]
    assert len(queued("rank")) == 2
    # the board is shared: bob may follow the job alice started
    assert client.get(second.headers["Location"], headers=other).status_code == 200


def test_a_failed_identical_job_is_not_joined(client, headers, queued, sqlite_url):
    from prospects.jobrecords import records

    first = client.post("/api/ml/rankings", json={}, headers=headers).get_json()["job_id"]
    with session_scope(sqlite_url) as session:
        records.fail(session, first, {"code": "ranking_failed", "message": "x"})
    second = client.post("/api/ml/rankings", json={}, headers=headers).get_json()["job_id"]
    assert second != first and len(queued("rank")) == 2


def test_a_finished_snapshot_is_reused_without_a_job(client, headers, queued, board, redis_client):
    _data_version(redis_client)
    JobStore(redis_client).publish_alias("champion", 7)
    response = client.post("/api/ml/rankings", json={}, headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["reused"] is True and body["result"]["ranking_id"] == board
    assert body["ranking_url"] == f"/api/ml/rankings/{board}"
    assert queued("rank") == []
    pinned = client.post("/api/ml/rankings", json={"model_version": 7}, headers=headers)
    assert pinned.status_code == 200
    assert (
        client.post("/api/ml/rankings", json={"model_version": 6}, headers=headers).status_code
        == 202
    )


def test_a_board_page_with_filters_sorting_and_paging(client, make_key, board):
    viewer = {"Authorization": f"Bearer {make_key('vic', 'viewer')}"}
    body = client.get(f"/api/ml/rankings/{board}", headers=viewer).get_json()
    assert body["ranking"]["status"] == "succeeded" and body["total"] == 4
    assert [i["prospect_id"] for i in body["items"]] == [102, 103, 101, 104]
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4]
    top = body["items"][0]
    assert top["interval"] == {
        "low": pytest.approx(0.75),
        "high": pytest.approx(0.85),
        "level": 0.8,
    }
    assert top["top_group"] == "scouting reports +12.3 points"  # the CSV's words
    assert set(top["top_factors"]) == {"for", "against"}

    nyy = client.get(f"/api/ml/rankings/{board}?organization=NYY&sort=-age", headers=viewer)
    assert [i["prospect_id"] for i in nyy.get_json()["items"]] == [103, 101]
    page = client.get(f"/api/ml/rankings/{board}?per_page=1&page=2", headers=viewer).get_json()
    assert [i["rank"] for i in page["items"]] == [2] and page["total"] == 4
    young = client.get(f"/api/ml/rankings/{board}?max_age=22&kind=hitter", headers=viewer)
    assert [i["prospect_id"] for i in young.get_json()["items"]] == [102, 101]

    assert client.get(f"/api/ml/rankings/{board}?sort=height", headers=viewer).status_code == 422
    assert client.get(f"/api/ml/rankings/{board}?min_age=x", headers=viewer).status_code == 422
    missing = client.get("/api/ml/rankings/999999", headers=viewer)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_ranking"


def test_latest_is_the_newest_board_that_covers_the_filters(client, headers, board):
    latest = client.get("/api/ml/rankings/latest?kind=pitcher", headers=headers).get_json()
    assert latest["ranking"]["ranking_id"] == board
    assert [i["prospect_id"] for i in latest["items"]] == [103, 104]
    none = client.get("/api/ml/rankings/latest?model_version=3", headers=headers)
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "no_ranking"


def test_no_ranking_yet_is_404(client, headers):
    assert client.get("/api/ml/rankings/latest", headers=headers).status_code == 404


def test_export_streams_every_row_as_csv(client, headers, board):
    response = client.get(f"/api/ml/rankings/{board}/export.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert f"ranking-{board}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4]
    assert rows[0]["prospect_id"] == "102" and rows[0]["name"] == "Player 102"
    assert float(rows[0]["probability"]) == 0.8
    assert rows[0]["factors_for"] == "FV (FV 55) +0.4000"
    assert float(rows[0]["interval_low"]) == pytest.approx(0.75)
    assert float(rows[0]["interval_high"]) == pytest.approx(0.85)
    assert rows[0]["interval_level"] == "0.8"
    assert rows[0]["top_group"] == "scouting reports +12.3 points"
    assert rows[3]["factors_against"] == "age (25.0) -0.1000"  # no display: the raw value
    nyy = client.get(f"/api/ml/rankings/{board}/export.csv?organization=NYY", headers=headers)
    assert len(list(csv.DictReader(io.StringIO(nyy.get_data(as_text=True))))) == 2


def test_export_of_an_unfinished_ranking_is_409(client, headers, sqlite_url):
    spec = RankingSpec(RankingFilters(), date(2025, 1, 1), "m", 1, "champion", "dv")
    with session_scope(sqlite_url) as session:
        snapshot, _ = claim_snapshot(session, spec, "job-x", None)
        snapshot_id = snapshot.id
    response = client.get(f"/api/ml/rankings/{snapshot_id}/export.csv", headers=headers)
    assert response.status_code == 409
    running = client.get(f"/api/ml/rankings/{snapshot_id}", headers=headers).get_json()
    assert running["ranking"]["status"] == "running" and running["items"] == []


_NO_ML_SCRIPT = """
import json, os, sys
from app import create_app
app = create_app({"DATABASE_URL": os.environ["T_DB"], "REDIS_URL": os.environ["T_REDIS"]})
client = app.test_client()
headers = {"Authorization": "Bearer " + os.environ["T_KEY"]}
board = os.environ["T_BOARD"]
codes = [
    client.post("/api/ml/rankings", json={"level": "AA"}, headers=headers).status_code,
    client.get(f"/api/ml/rankings/{board}", headers=headers).status_code,
    client.get("/api/ml/rankings/latest", headers=headers).status_code,
    client.get(f"/api/ml/rankings/{board}/export.csv", headers=headers).status_code,
]
loaded = [m for m in ("xgboost", "shap", "pandas", "mlflow", "numpy") if m in sys.modules]
print(json.dumps([codes, loaded]))
"""


def test_the_ranking_endpoints_never_import_the_ml_stack(
    sqlite_url, redis_test_url, make_key, board
):
    env = {
        **os.environ,
        "T_DB": sqlite_url,
        "T_REDIS": redis_test_url,
        "T_KEY": make_key(),
        "T_BOARD": str(board),
    }
    done = subprocess.run(
        [sys.executable, "-c", _NO_ML_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[202, 200, 200, 200], []]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_export_never_hands_a_spreadsheet_a_formula(client, headers, sqlite_url, start):
    spec = RankingSpec(RankingFilters(), today_utc(), config.model_name(), 8, "champion", "dv")
    name = f'{start}HYPERLINK("http://example.invalid","x")'
    row = {**_entry(105, 0.5, "NYY", "SS", 21.0), "prospect_name": name}
    with session_scope(sqlite_url) as session:
        snapshot, _ = claim_snapshot(session, spec, f"job-csv-{ord(start)}", "alice")
        snapshot.total = 1
        write_entries(session, snapshot.id, [row])
        finalize_snapshot(session, snapshot.id)
        ranking_id = snapshot.id
    response = client.get(f"/api/ml/rankings/{ranking_id}/export.csv", headers=headers)
    [record] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert record["name"] == "'" + name  # shown as text, never run
    assert record["probability"] == "0.5"  # numbers untouched
    board = client.get(f"/api/ml/rankings/{ranking_id}", headers=headers).get_json()
    assert board["items"][0]["name"] == name  # the JSON keeps the name as it is


def test_a_ranking_over_the_per_user_cap_is_429_and_queues_nothing(
    client, headers, make_key, queued
):
    for day in ("2024-06-01", "2024-06-02"):  # the default cap: two under way
        assert (
            client.post("/api/ml/rankings", json={"as_of": day}, headers=headers).status_code == 202
        )

    third = client.post("/api/ml/rankings", json={"as_of": "2024-06-03"}, headers=headers)

    assert third.status_code == 429
    assert third.get_json()["error"]["code"] == "too_many_rankings"
    assert int(third.headers["Retry-After"]) > 0
    assert len(queued("rank")) == 2
    joined = client.post("/api/ml/rankings", json={"as_of": "2024-06-01"}, headers=headers)
    assert joined.status_code == 202  # an identical board under way is joined, not capped
    bob = {"Authorization": f"Bearer {make_key('bob', 'analyst')}"}
    assert (
        client.post("/api/ml/rankings", json={"as_of": "2024-06-03"}, headers=bob).status_code
        == 202
    )


def test_a_finished_ranking_frees_its_place_under_the_cap(client, headers, queued, sqlite_url):
    first = client.post("/api/ml/rankings", json={"as_of": "2024-06-01"}, headers=headers)
    client.post("/api/ml/rankings", json={"as_of": "2024-06-02"}, headers=headers)
    with session_scope(sqlite_url) as session:
        records.succeed(session, first.get_json()["job_id"], {"ranking_id": 1}, "ranking:1")

    third = client.post("/api/ml/rankings", json={"as_of": "2024-06-03"}, headers=headers)

    assert third.status_code == 202 and len(queued("rank")) == 3
