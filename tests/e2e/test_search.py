"""The search journey in a real browser: the box in the header, sub-words and traditional
characters, facets, "did you mean", and the issuer's list of teams that could solve it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from tests.e2e import journey
from tests.factories import Factory
from tests.teams.conftest import TeamsFactory

ISSUER_EMAIL = "sou.suo@qing-he-jin.example.cn"


def _search_from_header(page: Page, text: str) -> None:
    box = page.get_by_role("navigation").get_by_role("searchbox")
    box.fill(text)
    box.press("Enter")
    expect(journey.h1(page)).to_have_text("搜索")


def _hit_titles(page: Page):
    return journey.main(page).locator("article.hit header strong")


def test_a_visitor_searches_filters_and_an_issuer_sees_who_could_solve_it(
    live_server, page: Page
) -> None:
    base = live_server.url
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        issuer = factory.org_user(Role.ENTERPRISE, email=ISSUER_EMAIL)
        factory.challenge(issuer, title="镁合金压铸件表面缺陷控制")
        factory.challenge(issuer, title="不銹鋼管件焊縫自動檢測", field="equipment")
        factory.challenge(issuer, title="锂电池包热管理系统设计", field="energy")
        TeamsFactory(factory).profile()  # 轻合金成形与表面工程团队: 镁合金 压铸 涂层

    # A visitor types a term that sits inside a longer word, from any page.
    page.goto(base + "/")
    _search_from_header(page, "合金")
    titles = _hit_titles(page)
    expect(titles.filter(has_text="镁合金压铸件表面缺陷控制")).to_have_count(1)
    expect(titles.filter(has_text="轻合金成形与表面工程团队")).to_have_count(1)
    expect(titles.filter(has_text="锂电池")).to_have_count(0)
    expect(titles.first.locator("mark").first).to_have_text("合金")

    # The kind facet narrows the page to the teams.
    facets = page.get_by_role("complementary", name="筛选")
    facets.get_by_role("link", name="科研团队").click()
    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text("轻合金成形与表面工程团队")

    # Simplified characters find a notice written in traditional ones.
    _search_from_header(page, "不锈钢 焊缝")
    expect(titles).to_have_count(1)
    expect(titles.first).to_contain_text("焊縫")

    # A typo: the correction is searched at once, and the page says so with a way back.
    _search_from_header(page, "镁合今")
    main = journey.main(page)
    expect(main.locator(".corrected")).to_contain_text("已显示“镁合金”的结果")
    expect(titles.filter(has_text="镁合金压铸件表面缺陷控制")).to_have_count(1)
    main.locator(".corrected").get_by_role("link", name="仍搜索“镁合今”").click()
    expect(page).to_have_url(re.compile(r"exact=1"))
    expect(main.locator(".corrected")).to_have_count(0)

    # The issuer opens the challenge and sees the team that could solve it, and why.
    journey.log_in(page, base, ISSUER_EMAIL)
    _search_from_header(page, "镁合金压铸件")
    titles.filter(has_text="镁合金压铸件表面缺陷控制").click()
    matches = page.locator("#matches")
    expect(matches).to_contain_text("轻合金成形与表面工程团队")
    expect(matches).to_contain_text("镁合金")
