"""The public lists of /api/v1: what they contain, their filters and pages, and bad input."""

from __future__ import annotations

import pytest
import time_machine

from marketplace.accounts.models import Role

from ..factories import Factory
from .conftest import WAN


def _json(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "application/json"
    return resp.get_json()


def test_challenges_lists_published_ones_only_with_their_public_fields(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    published = factory.challenge(issuer, stage="open", title="海水淡化膜抗污染改性")
    factory.challenge(issuer, stage="draft", title="尚未提交的草稿榜单")
    factory.challenge(issuer, stage="pending_review", title="待审核的榜单")
    body = _json(client, "/api/v1/challenges")
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1
    (item,) = body["items"]
    assert item["code"] == published.code and item["title"] == "海水淡化膜抗污染改性"
    assert item["status"] == "open" and item["industry"] == "materials"
    assert item["budget"] == {"fen": 300 * WAN, "wan": "300.00"}
    assert item["subsidy_requested"]["fen"] == 100 * WAN
    assert [i["name"] for i in item["indicators"]] == ["首次放电比容量", "批次一致性"]
    assert item["url"].endswith(f"/challenges/{published.id}")
    # Nothing private: no contact person, phone or e-mail of the issuer.
    assert "contact_phone" not in item and "张工" not in str(item)


def test_filters_by_industry_year_and_status(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open", title="新材料榜单")
    factory.challenge(issuer, stage="open", title="医药榜单", field="pharma")
    factory.challenge(issuer, stage="cancelled", title="撤回的医药榜单", field="pharma")
    titles = lambda url: [i["title"] for i in _json(client, url)["items"]]  # noqa: E731
    assert titles("/api/v1/challenges?industry=pharma&status=open") == ["医药榜单"]
    assert titles("/api/v1/challenges?status=cancelled") == ["撤回的医药榜单"]
    assert sorted(titles("/api/v1/challenges?industry=pharma")) == ["医药榜单", "撤回的医药榜单"]
    assert len(titles("/api/v1/challenges?year=2026")) == 3
    assert titles("/api/v1/challenges?year=2025") == []


def test_pages_are_bounded_and_a_page_beyond_the_end_is_404(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    for n in range(3):
        factory.challenge(issuer, stage="open", title=f"榜单{n}")
    first = _json(client, "/api/v1/challenges?per_page=2")
    second = _json(client, "/api/v1/challenges?per_page=2&page=2")
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (
        3,
        2,
        2,
        1,
    )
    assert {i["code"] for i in first["items"]}.isdisjoint(i["code"] for i in second["items"])
    beyond = _json(client, "/api/v1/challenges?per_page=2&page=3", status=404)
    assert "共 2 页" in beyond["error"]["message"]
    # An empty list is a page of nothing, not a 404.
    assert _json(client, "/api/v1/awards")["items"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=99999999999999999999", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("year=二〇二六", "year"),
        ("year=1850", "year"),
        ("industry=steel", "industry"),
        ("status=draft", "status"),
        ("status=pending_review", "status"),
        ("colour=red", "colour"),
        ("field=materials", "field"),
    ],
)
def test_bad_parameters_are_400_with_a_json_error_naming_them(client, query, field):
    body = _json(client, f"/api/v1/challenges?{query}", status=400)
    assert body["error"]["status"] == 400 and field in body["error"]["message"]


def test_unknown_filters_of_each_list_are_refused(client):
    # Awards and payments have no status filter: asking for one is an error, not ignored.
    for url in ("/api/v1/awards?status=confirmed", "/api/v1/payments?status=released"):
        assert "status" in _json(client, url, status=400)["error"]["message"]
    assert _json(client, "/api/v1/projects?status=flying", status=400)["error"]["status"] == 400
    assert _json(client, "/api/v1/nothing-here", status=404)["error"]["status"] == 404


def test_awards_projects_and_payments_show_the_confirmed_award_and_released_money(client, awarded):
    challenge, project = awarded["challenge"], awarded["project"]
    with time_machine.travel(awarded["later"], tick=False):
        (award,) = _json(client, "/api/v1/awards")["items"]
        (item,) = _json(client, "/api/v1/projects")["items"]
        payments = _json(client, "/api/v1/payments")["items"]
        filtered = _json(client, "/api/v1/projects?status=completed")["items"]
        by_industry = _json(client, "/api/v1/payments?industry=pharma")["items"]
    assert award["challenge_code"] == challenge.code and award["kind"] == "single"
    assert award["amount"] == {"fen": 250 * WAN, "wan": "250.00"}
    assert [s["organisation"]["name"] for s in award["shares"]] == ["东海理工大学"]
    assert item["number"] == project.number and item["status"] == "active"
    assert item["team"]["name"] == "东海理工大学"
    assert (item["subsidy"]["fen"], item["enterprise_funds"]["fen"]) == (100 * WAN, 150 * WAN)
    statuses = [(m["status"], m["overdue"]) for m in item["milestones"]]
    assert statuses[0] == ("accepted", False) and len(statuses) >= 1
    assert all(status != "accepted" for status, _overdue in statuses[1:])
    # Only the released tranche is a payment; the pending one is not money paid.
    assert [(p["position"], p["total"]["fen"]) for p in payments] == [
        (awarded["released_position"], 75 * WAN)
    ]
    assert payments[0]["project_number"] == project.number
    assert filtered == [] and by_industry == []


def test_the_api_index_and_errors_are_json_for_everyone(client, factory: Factory, login):
    body = _json(client, "/api/v1/")
    assert body["openapi"].endswith("/api/v1/openapi.json")
    login(client, factory.staff())
    assert _json(client, "/api/v1/challenges?per_page=1000", status=400)["error"]["status"] == 400


@pytest.mark.parametrize("name", ["awards", "projects", "payments"])
def test_every_list_is_paged_and_a_page_beyond_its_end_is_404(client, awarded, name):
    with time_machine.travel(awarded["later"], tick=False):
        first = _json(client, f"/api/v1/{name}?per_page=1")
        beyond = _json(client, f"/api/v1/{name}?per_page=1&page=2", status=404)
        wide = _json(client, f"/api/v1/{name}?per_page=100")
        last_year = _json(client, f"/api/v1/{name}?year=2025")
    assert {k: first[k] for k in ("page", "per_page", "total", "pages")} == {
        "page": 1,
        "per_page": 1,
        "total": 1,
        "pages": 1,
    }
    assert len(first["items"]) == 1 and wide["items"] == first["items"]
    assert "共 1 页" in beyond["error"]["message"]
    assert last_year["total"] == 0 and last_year["items"] == []


def test_the_setting_narrows_every_lists_page(app, client, awarded):
    app.config["API_MAX_PER_PAGE"] = 1
    with time_machine.travel(awarded["later"], tick=False):
        bodies = {
            name: _json(client, f"/api/v1/{name}?per_page=50")
            for name in ("challenges", "awards", "projects", "payments")
        }
    assert {name: body["per_page"] for name, body in bodies.items()} == dict.fromkeys(bodies, 1)
    assert all(len(body["items"]) == 1 for body in bodies.values())
