"""GET /api/ml/prospects and /api/ml/prospects/<id>: detail, pages, filters, validation."""

from __future__ import annotations

import pytest

from app import create_app
from prospects.apikeys import create_key
from prospects.db.session import session_scope

URL = "/api/ml/prospects"


def _ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


def test_detail_has_lines_and_the_latest_report(client, headers, prospects):
    response = client.get(f"{URL}/101", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Avery Quinn" and body["kind"] == "hitter" and body["level"] == "AA"
    assert [line["season"] for line in body["batting_lines"]] == [2021, 2022]
    assert body["batting_lines"][0]["end_date"] == "2021-09-05"
    assert body["pitching_lines"] == []
    assert body["latest_scouting_report"]["report_date"] == "2022-03-01"
    assert body["latest_scouting_report"]["fv"] == 50


def test_detail_of_a_pitcher_without_reports(client, headers, prospects):
    body = client.get(f"{URL}/103", headers=headers).get_json()

    assert body["kind"] == "pitcher" and body["level"] == "AAA"
    assert body["pitching_lines"][0]["outs"] == 300
    assert body["latest_scouting_report"] is None


@pytest.mark.parametrize("pid", ["999", "0", "-1", "abc", "99999999999999999999999"])
def test_unknown_or_impossible_ids_are_404(client, headers, prospects, pid):
    response = client.get(f"{URL}/{pid}", headers=headers)

    assert response.status_code == 404
    assert "error" in response.get_json()


def test_list_pages_by_id(client, headers, prospects):
    first = client.get(URL, query_string={"per_page": 3}, headers=headers).get_json()
    second = client.get(URL, query_string={"per_page": 3, "page": 2}, headers=headers).get_json()

    assert [i["id"] for i in first["items"]] == [101, 102, 103]
    assert [i["id"] for i in second["items"]] == [104]
    assert first["total"] == second["total"] == 4
    assert (first["page"], first["per_page"]) == (1, 3)
    beyond = client.get(URL, query_string={"page": 9}, headers=headers).get_json()
    assert beyond["items"] == [] and beyond["total"] == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organization": "NYY"}, [101, 103]),
        ({"organization": "nyy"}, [101, 103]),
        ({"position": "CF"}, [102]),
        ({"kind": "pitcher"}, [103, 104]),
        ({"kind": "hitter"}, [101, 102]),
        ({"level": "AA"}, [101]),  # its latest line; its A line is history
        ({"level": "A"}, [104]),
        ({"q": "quin"}, [101, 104]),
        ({"q": "%"}, []),
        ({"q": "Holt", "kind": "pitcher"}, [103]),
        ({"organization": "NYY", "kind": "hitter"}, [101]),
    ],
)
def test_list_filters(client, headers, prospects, params, expected):
    response = client.get(URL, query_string=params, headers=headers)

    assert response.status_code == 200
    assert _ids(response) == expected
    assert response.get_json()["total"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"kind": "catcher"}, "kind"),
        ({"level": "MLB"}, "level"),
        ({"position": "QB"}, "position"),
        ({"organization": "NEW YORK"}, "organization"),
        ({"q": "x" * 81}, "q"),
        ({"q": "\x00"}, "q"),
        ({"q": "Quinn\n"}, "q"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_list_rejects_bad_parameters_naming_them(client, headers, prospects, params, field):
    response = client.get(URL, query_string=params, headers=headers)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


@pytest.mark.postgres
def test_filters_and_detail_on_postgres(app_config, postgres_url, seed_prospects):
    seed_prospects(postgres_url)
    with session_scope(postgres_url) as session:
        key, _ = create_key(session, "pg", "viewer")
    client = create_app({**app_config, "DATABASE_URL": postgres_url}).test_client()
    headers = {"Authorization": f"Bearer {key}"}

    listed = client.get(URL, query_string={"level": "AA", "q": "QUIN"}, headers=headers)
    detail = client.get(f"{URL}/101", headers=headers)

    assert listed.status_code == 200 and _ids(listed) == [101]
    assert detail.get_json()["level"] == "AA"
    nul = client.get(URL, query_string={"q": "\x00"}, headers=headers)  # was a 500 here
    assert nul.status_code == 422 and nul.get_json()["error"]["field"] == "q"


def test_a_prospect_from_real_data_without_signing_dates_and_with_two_stints(
    client, headers, prospects, sqlite_url
):
    """What a season-totals source gives: no signing day or year, a DSL line, a trade."""
    from datetime import date

    from prospects.db.models import BattingLine, Prospect

    def line(stint: int, start: date, end: date) -> BattingLine:
        return BattingLine(
            prospect_id=105, season=2022, level="DSL", stint=stint, age=17.4,
            start_date=start, end_date=end, pa=100, ab=90, h=25, doubles=4, triples=1, hr=1,
            bb=8, so=20, sb=3, cs=1, hbp=1, sf=1,
        )  # fmt: skip

    with session_scope(sqlite_url) as session:
        session.add(
            Prospect(
                id=105,
                name="Elian Ruiz",
                birth_date=date(2005, 2, 1),
                position="OF",
                bats="S",
                throws="R",
                organization="SEA",
                signing_year=None,
                draft_round=None,
                signed_on=None,
                signing_type="unknown",
            )  # fmt: skip
        )
        session.flush()
        session.add_all([line(1, date(2022, 6, 6), date(2022, 7, 10)),
                         line(2, date(2022, 7, 15), date(2022, 8, 20))])  # fmt: skip

    response = client.get(f"{URL}/105", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["signing_year"], body["signed_on"], body["signing_type"]) == (
        None,
        None,
        "unknown",
    )
    assert body["kind"] == "hitter"
    assert body["level"] == "Rk"  # the DSL's rung on the ladder
    assert [(ln["level"], ln["stint"]) for ln in body["batting_lines"]] == [("DSL", 1), ("DSL", 2)]
    listed = client.get(f"{URL}?level=Rk", headers=headers).get_json()["items"]
    assert 105 in [item["id"] for item in listed]
