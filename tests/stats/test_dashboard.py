"""The staff dashboard: every figure equals the records and the ledger entries, per filter."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import bindparam, text

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.projects import ledger
from marketplace.projects.ledger_models import Account
from marketplace.projects.models import FundingSource
from marketplace.stats import queries

from .conftest import WAN
from .pages import data_blocks, fen_rows, inline_scripts, parse, rows

URL = "/staff/dashboard"


@pytest.fixture
def staff_client(app, world, login):
    return login(app.test_client(), world["staff"])


def page(client, query: str = ""):
    resp = client.get(URL + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return parse(resp.get_data(as_text=True))


def pipeline(p) -> dict[str, int]:
    return {k: int(v[0]) for k, v in rows(p, "pipeline").items()}


_SUM = "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry WHERE account IN :accounts"


def ledger_sum(accounts: tuple[Account, ...], sign: int = 1, source=None) -> int:
    """Σ of the entries on some accounts (of one source), straight from the table."""
    query = text(_SUM + (" AND source = :source" if source else ""))
    query = query.bindparams(bindparam("accounts", expanding=True))
    params = {"accounts": [a.value for a in accounts]}
    if source:
        params["source"] = source.value
    return sign * db.session().exec(query, params=params).one()[0]


PAID = (Account.RELEASED, Account.DUE_BACK, Account.RECOVERED)


def committed() -> int:
    return ledger_sum((Account.SPONSOR,), -1)


def received() -> int:
    return ledger_sum((Account.RECEIVED, *PAID), source=FundingSource.ENTERPRISE)


def released() -> int:
    return ledger_sum(PAID)


def test_pipeline_counts_each_stage_and_its_conversion(staff_client):
    p = page(staff_client)
    # 4 posted (the draft never was), 4 published, 3 with a submitted bid (the withdrawn one
    # does not count), 2 awarded, 1 project completed.
    assert list(pipeline(p).values()) == [4, 4, 3, 2, 1]
    conversions = [v[1] for v in rows(p, "pipeline").values()]
    assert conversions == ["—", "100.0%", "75.0%", "66.7%", "50.0%"]
    exits = p.tables  # the exits sentence is plain text; check it through the raw page
    assert exits
    html = staff_client.get(URL).get_data(as_text=True)
    assert "流榜 1 个，撤榜 0 个，项目验收不通过或终止 0 个。" in html


def test_money_per_year_equals_challenges_awards_and_ledger_entries(staff_client):
    by_year = fen_rows(page(staff_client), "money-by-year")
    # published, awarded, committed, received, released
    assert by_year["2026"] == [480 * WAN, 250 * WAN, 250 * WAN, 90 * WAN, 75 * WAN]
    assert by_year["2025"] == [500 * WAN, 400 * WAN, 400 * WAN, 200 * WAN, 400 * WAN]
    assert by_year["合计"] == [
        980 * WAN,
        650 * WAN,
        committed(),
        received(),
        released(),
    ]


def test_money_per_industry_and_per_source(staff_client):
    p = page(staff_client)
    by_industry = fen_rows(p, "money-by-industry")
    assert by_industry["新材料"] == [380 * WAN, 250 * WAN, 250 * WAN, 90 * WAN, 75 * WAN]
    assert by_industry["医药健康"] == [600 * WAN, 400 * WAN, 400 * WAN, 200 * WAN, 400 * WAN]
    assert set(by_industry) == {"新材料", "医药健康", "合计"}
    by_source = fen_rows(p, "by-source")
    assert by_source["财政资金"] == [300 * WAN, 0, 230 * WAN]
    assert by_source["企业资金"] == [350 * WAN, 290 * WAN, 245 * WAN]
    # Shown in 万元 with two decimals.
    assert rows(p, "by-source")["企业资金"] == ["350.00", "290.00", "245.00"]


def test_bids_per_challenge_distribution(staff_client):
    bids = {k: int(v[0]) for k, v in rows(page(staff_client), "bids").items()}
    assert bids == {"0 份": 1, "1 份": 2, "2 份": 1, "3 份": 0, "4 份": 0, "5 份及以上": 0}


def test_milestones_on_time_late_overdue_and_the_overdue_list(staff_client, world):
    p = page(staff_client)
    (counts,) = [[text for text, _a in r] for r in p.tables["milestones"][1:]]
    # Accepted at 23:59 Beijing on the due day is on time; at 00:30 the next day, late.
    assert counts == ["2", "1", "1", "1"]
    overdue = p.tables["overdue"][1:]
    assert len(overdue) == 1
    project = world["projects"][0]
    html = staff_client.get(URL).get_data(as_text=True)
    assert f'href="/projects/{project.id}"' in html
    assert overdue[0][0][0] == project.number
    assert overdue[0][5][0] == "10"  # days overdue


def test_top_issuers_winners_and_integrity(staff_client):
    p = page(staff_client)
    issuers = rows(p, "top-issuers")
    assert list(issuers) == ["椒江新材", "临海制药"]
    assert issuers["椒江新材"] == ["2", "580.00"]
    winners = rows(p, "top-winners")
    assert list(winners) == ["台州研究院", "灵湖学院"]
    assert "未中选的秘密团队" not in winners
    integrity = rows(p, "integrity")
    assert integrity["限期禁止揭榜和参与评审"] == ["1"]
    assert integrity["生效中的限制合计"] == ["1"]


@pytest.mark.parametrize(
    ("query", "stages", "money_rows"),
    [
        ("?year=2025", [1, 1, 1, 1, 1], {"2025"}),
        ("?industry=materials", [2, 2, 2, 1, 0], {"2026"}),
        ("?region=椒江区", [2, 2, 2, 1, 1], {"2025", "2026"}),
        ("?year=2026&industry=pharma", [1, 1, 0, 0, 0], {"2026"}),
    ],
)
def test_filters_narrow_every_figure(staff_client, query, stages, money_rows):
    p = page(staff_client, query)
    assert list(pipeline(p).values()) == stages
    assert set(fen_rows(p, "money-by-year")) - {"合计"} == money_rows


def test_filters_change_the_money_as_expected(staff_client):
    jiaojiang = fen_rows(page(staff_client, "?region=椒江区"), "money-by-year")
    assert jiaojiang["合计"] == [580 * WAN, 400 * WAN, 400 * WAN, 200 * WAN, 400 * WAN]
    # C5 was published at 01:00 on 1 January 2026 Beijing time: 2026, though 2025 in UTC.
    assert jiaojiang["2026"] == [80 * WAN, 0, 0, 0, 0]
    materials = page(staff_client, "?industry=materials")
    (counts,) = [[t for t, _a in r] for r in materials.tables["milestones"][1:]]
    assert counts == ["1", "1", "1", "1"]  # p2's on-time milestone is pharma
    pharma = page(staff_client, "?industry=pharma")
    assert pharma.tables["overdue"][1][0][0] == "没有逾期的里程碑。"


def test_unknown_filters_are_ignored_not_an_error(staff_client):
    p = page(staff_client, "?year=1999&industry=nonsense&region=火星&year=abc")
    assert list(pipeline(p).values()) == [4, 4, 3, 2, 1]


def test_every_chart_has_its_json_block_with_the_table_figures_and_no_inline_script(
    staff_client,
):
    p = page(staff_client)
    assert inline_scripts(p) == []
    blocks = data_blocks(p)
    assert set(blocks) == {
        "chart-pipeline",
        "chart-money-year",
        "chart-money-industry",
        "chart-bids",
        "chart-milestones",
    }
    assert blocks["chart-pipeline"]["series"][0]["data"] == [4, 4, 3, 2, 1]
    year = blocks["chart-money-year"]
    assert year["categories"] == ["2026", "2025"]
    released = year["series"][-1]["data"]
    assert released == [75 * WAN, 400 * WAN]
    srcs = [s for a, _t in p.scripts if (s := a.get("src"))]
    assert [re.sub(r"\.[0-9a-f]{8,}\.js$", ".js", s) for s in srcs] == [
        "/static/vendor/echarts/echarts.min.js",
        "/static/js/charts.js",
    ]


def test_the_scripts_are_served_from_static(staff_client):
    p = page(staff_client)
    for src in [s for a, _t in p.scripts if (s := a.get("src"))]:
        resp = staff_client.get(src)
        assert resp.status_code == 200
        body = resp.get_data()
        assert b"echarts" in body
        resp.close()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        (Role.ENTERPRISE, 403),
        (Role.RESEARCHER, 403),
        (Role.EXPERT, 403),
        (Role.STAFF, 200),
        (Role.ADMIN, 200),
    ],
)
def test_only_staff_open_the_dashboard(app, world, factory, login, role, status):
    client = app.test_client()
    if role is not None:
        user = (
            factory.appointed(role)
            if role in (Role.EXPERT, Role.STAFF, Role.ADMIN)
            else world["issuers"][0]
            if role is Role.ENTERPRISE
            else world["teams"][0]
        )
        login(client, user)
    resp = client.get(URL)
    assert resp.status_code == status
    if status != 200:
        assert "未中选的秘密团队" not in resp.get_data(as_text=True)


def test_queries_ledger_figures_equal_the_entries_and_the_ledgers_totals(app, world):
    s = db.session()
    total = queries.total(queries.money_by_year(s))
    assert total.committed_fen == committed() == 650 * WAN
    assert total.received_fen == received() == 290 * WAN
    assert total.released_fen == released() == 475 * WAN
    # The same figures as the ledger's own balances (projects.ledger.totals), per source.
    books = ledger.totals(s)
    for row in queries.ledger_by_source(s):
        balance = books[row.source]
        assert (row.committed_fen, row.received_fen, row.released_fen) == (
            balance.committed,
            balance.received,
            balance.released,
        )
