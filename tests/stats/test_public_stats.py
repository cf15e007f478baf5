"""/stats: the figures a county reports, for anyone, with nothing confidential on it."""

from __future__ import annotations

import json

import pytest

from marketplace.accounts.models import Role

from .conftest import WAN
from .pages import data_blocks, fen_rows, inline_scripts, parse, rows


def public(client):
    resp = client.get("/stats")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_anyone_reads_the_yearly_and_industry_figures(client, world):
    p = parse(public(client))
    # published 榜额, awarded, released (兑现)
    by_year = fen_rows(p, "public-by-year")
    assert by_year["2026"] == [480 * WAN, 250 * WAN, 75 * WAN]
    assert by_year["2025"] == [500 * WAN, 400 * WAN, 400 * WAN]
    assert rows(p, "public-by-year")["2025"][0] == "1"  # challenges published
    assert rows(p, "public-by-year")["2025"][-1] == "1"  # projects completed
    by_industry = fen_rows(p, "public-by-industry")
    assert by_industry["医药健康"] == [600 * WAN, 400 * WAN, 400 * WAN]
    assert by_industry["合计"] == [980 * WAN, 650 * WAN, 475 * WAN]


def test_nothing_confidential_is_on_the_page(client, world):
    html = public(client)
    # No names at all: not the unawarded bidder's, not even the winners' or the issuers'.
    for name in ("未中选的秘密团队", "灵湖学院", "台州研究院", "临海制药", "椒江新材"):
        assert name not in html
    # No bid counts, no ledger internals (commitments, receipts), no scores.
    p = parse(html)
    assert "bids" not in p.tables and "by-source" not in p.tables
    assert "已承诺" not in html and "到账" not in html and "评分" not in html
    blocks = data_blocks(p)
    assert set(blocks) == {"chart-money-year", "chart-money-industry"}
    for block in blocks.values():
        names = [s["name"] for s in block["series"]]
        assert names == ["发布榜额", "揭榜金额", "已兑现（拨付）"]
    assert "未中选" not in json.dumps(blocks, ensure_ascii=False)


def test_no_inline_script_and_the_tables_need_no_javascript(client, world):
    p = parse(public(client))
    assert inline_scripts(p) == []
    assert {"public-by-year", "public-by-industry"} <= set(p.tables)
    year = data_blocks(p)["chart-money-year"]
    assert year["categories"] == ["2026", "2025"]
    assert year["series"][2]["data"] == [75 * WAN, 400 * WAN]


def test_figures_are_cached_briefly_per_process(app, client, world, factory):
    app.config["HOME_STATS_CACHE_SECONDS"] = 30
    before = fen_rows(parse(public(client)), "public-by-year")["合计"][0]
    factory.challenge(
        world["issuers"][0], budget_total="60", enterprise_funds="30", subsidy_requested="30"
    )
    assert fen_rows(parse(public(client)), "public-by-year")["合计"][0] == before
    app.config["HOME_STATS_CACHE_SECONDS"] = 0
    assert fen_rows(parse(public(client)), "public-by-year")["合计"][0] == before + 60 * WAN


def test_an_empty_platform_shows_empty_tables(client):
    p = parse(public(client))
    assert rows(p, "public-by-year") == {"暂无数据。": []}


@pytest.mark.parametrize("role", [None, Role.RESEARCHER, Role.ENTERPRISE])
def test_the_footer_links_to_stats_and_only_staff_see_the_dashboard_link(app, factory, login, role):
    client = app.test_client()
    if role is not None:
        login(client, factory.org_user(role))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/stats"' in html
    assert 'href="/staff/dashboard"' not in html
    staff = login(app.test_client(), factory.staff())
    assert 'href="/staff/dashboard"' in staff.get("/").get_data(as_text=True)
