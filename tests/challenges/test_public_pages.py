"""The public list and detail pages: filters, sorting, pagination, and a constant query count."""

from __future__ import annotations

import re

from marketplace.accounts.models import Role

from ..conftest import counting_queries
from ..factories import Factory


def titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/challenges/\d+">([^<]+)</a></h2>', html)


def test_filters_and_sorting(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(
        issuer,
        title="小额光电榜",
        field="photonics",
        budget_total="30",
        enterprise_funds="30",
        subsidy_requested="0",
    )
    factory.challenge(
        issuer,
        title="大额医药榜",
        field="pharma",
        budget_total="1200",
        enterprise_funds="800",
        subsidy_requested="400",
    )
    factory.challenge(issuer, title="草稿不可见", stage="draft")
    factory.challenge(issuer, title="待审不可见", stage="pending_review")
    assert titles(client.get("/challenges").get_data(as_text=True)) == ["大额医药榜", "小额光电榜"]
    assert titles(client.get("/challenges?field=pharma").get_data(as_text=True)) == ["大额医药榜"]
    assert titles(client.get("/challenges?budget=lt50").get_data(as_text=True)) == ["小额光电榜"]
    assert titles(client.get("/challenges?sort=budget").get_data(as_text=True))[0] == "大额医药榜"
    assert titles(client.get("/challenges?status=cancelled").get_data(as_text=True)) == []
    # Nonsense filters are ignored, never an error.
    assert client.get("/challenges?field=%3Cscript%3E&sort=drop&page=-4").status_code == 200


def test_detail_shows_indicators_budget_and_countdown(client, factory: Factory):
    challenge = factory.challenge()
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert challenge.code in html
    assert "首次放电比容量" in html and "≥205" in html and "mAh/g" in html
    assert "300.00 万元" in html and "200.00 万元" in html
    assert re.search(r"还剩 4[45] 天", html)


def test_pagination_and_a_constant_number_of_queries(app, client, factory: Factory):
    app.config["PAGE_SIZE"] = 5
    issuer = factory.org_user(Role.ENTERPRISE)
    for n in range(3):
        factory.challenge(issuer, title=f"榜单{n:02d}")
    with counting_queries() as few:
        client.get("/challenges")
    for n in range(3, 12):
        factory.challenge(issuer, title=f"榜单{n:02d}")
    with counting_queries() as many:
        html = client.get("/challenges?page=2").get_data(as_text=True)
    assert len(titles(html)) == 5
    assert "第 2 / 3 页，共 12 条" in html
    assert len(few) == len(many)
    detail_counts = []
    for challenge_id in (1, 5):
        with counting_queries() as statements:
            client.get(f"/challenges/{challenge_id}")
        detail_counts.append(len(statements))
    assert detail_counts[0] == detail_counts[1]
