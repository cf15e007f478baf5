"""Challenge exports for staff: contents in both formats, the list's filters, file names,
English headers, formula-like text kept as text, and large exports streamed in pieces."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from flask_babel import force_locale
from sqlmodel import Session

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.challenges.models import Challenge, ChallengeStatus, Industry
from marketplace.units import SHANGHAI

from .conftest import WAN, csv_rows, download, xlsx_rows, xlsx_sheet

HEADERS = [
    "榜单编号",
    "榜单名称",
    "发榜单位",
    "产业领域",
    "状态",
    "榜额（万元）",
    "企业出资（万元）",
    "申请财政资助（万元）",
    "实施周期（月）",
    "揭榜截止时间",
    "发布时间",
    "创建时间",
]


@pytest.fixture
def world(factory, client, login):
    issuer = factory.org_user(Role.ENTERPRISE, org_name="临海城康制药有限公司")
    materials = factory.challenge(issuer, budget_total="312.5", enterprise_funds="212.5")
    energy = factory.challenge(
        issuer, title="氢燃料电池低铂催化剂", field="energy", budget_total="1200",
        enterprise_funds="800", subsidy_requested="400",
    )  # fmt: skip
    draft = factory.challenge(issuer, stage="draft", title="草稿中的榜单")
    login(client, factory.staff())
    return {"materials": materials, "energy": energy, "draft": draft, "client": client}


def test_staff_download_the_challenge_list_as_excel_with_wan_and_beijing_time(world):
    resp = download(world["client"], "/staff/exports/challenges.xlsx")
    rows = xlsx_rows(resp)
    assert rows[0] == HEADERS
    c = db.session().get(Challenge, world["materials"].id)
    row = next(r for r in rows if r[0] == c.code)
    assert row[1:4] == [c.title, "临海城康制药有限公司", Industry.MATERIALS.label]
    assert row[4] == "揭榜中"
    assert Decimal(str(row[5])) == Decimal("312.50")
    assert Decimal(str(row[6])) == Decimal("212.50")
    # The deadline as a Beijing wall-clock time (Excel has no time zones).
    assert row[9] == c.deadline.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    sheet = xlsx_sheet(resp)
    money = next(cell for cell in sheet["F"] if cell.value == row[5])
    assert money.number_format == "#,##0.00"
    assert sheet["A1"].font.bold
    # The draft is in the staff export too, without a code.
    assert any(r[1] == "草稿中的榜单" and r[4] == "草稿" for r in rows[1:])


def test_the_same_list_as_csv_opens_in_excel_with_a_bom(world):
    resp = download(world["client"], "/staff/exports/challenges.csv")
    assert resp.mimetype == "text/csv"
    rows = csv_rows(resp)
    assert rows[0] == HEADERS
    energy = db.session().get(Challenge, world["energy"].id)
    row = next(r for r in rows if r[0] == energy.code)
    assert row[1] == "氢燃料电池低铂催化剂"
    assert row[5:8] == ["1200.00", "800.00", "400.00"]
    assert row[9] == energy.deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_the_file_is_named_in_chinese_with_todays_date_and_an_ascii_fallback(world):
    resp = download(world["client"], "/staff/exports/challenges.xlsx")
    day = db.utcnow().astimezone(SHANGHAI).date().isoformat()
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="challenges-{day}.xlsx"' in disposition
    assert f"filename*=UTF-8''{quote('榜单')}-{day}.xlsx" in disposition
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("field=energy", {"energy"}),
        ("status=open", {"materials", "energy"}),
        ("status=draft", {"draft"}),
        ("q=低铂", {"energy"}),
        ("q=%25", set()),  # a % typed is a character to find, not a wildcard
        ("field=energy&q=高镍", set()),
        ("status=no-such&field=bogus&year=abc", {"materials", "energy", "draft"}),  # ignored
    ],
)
def test_the_lists_filters_apply(world, query, expected):
    rows = csv_rows(download(world["client"], f"/staff/exports/challenges.csv?{query}"))
    titles = {r[1] for r in rows[1:]}
    names = {
        "materials": "高镍三元正极材料低成本连续化制备工艺",
        "energy": "氢燃料电池低铂催化剂",
        "draft": "草稿中的榜单",
    }
    assert titles == {names[k] for k in expected}


def test_year_filter_uses_the_beijing_year_of_publication(world):
    this_year = db.utcnow().astimezone(SHANGHAI).year
    rows = csv_rows(download(world["client"], f"/staff/exports/challenges.csv?year={this_year}"))
    assert len(rows) == 4
    rows = csv_rows(
        download(world["client"], f"/staff/exports/challenges.csv?year={this_year - 1}")
    )
    assert rows == [HEADERS]


def test_a_challenge_past_its_deadline_is_exported_as_closed(world, app):
    c = world["materials"]
    with Session(db.engine()) as s:
        row = s.get(Challenge, c.id)
        row.deadline = db.utcnow() - timedelta(hours=1)
        s.add(row)
        s.commit()
    rows = csv_rows(download(world["client"], "/staff/exports/challenges.csv?status=closed"))
    assert [r[1] for r in rows[1:]] == [c.title]
    assert rows[1][4] == "已截止"


def test_headers_and_labels_follow_the_users_language(world):
    client = world["client"]
    client.post("/lang/en")
    rows = xlsx_rows(download(client, "/staff/exports/challenges.xlsx?field=energy"))
    assert rows[0][:6] == [
        "Challenge code",
        "Challenge title",
        "Issuing organisation",
        "Industry",
        "Status",
        "Budget (10k CNY)",
    ]
    with force_locale("en"):
        assert rows[1][3] == Industry.ENERGY.label != Industry.ENERGY.value
    resp = download(client, "/staff/exports/challenges.csv")
    day = db.utcnow().astimezone(SHANGHAI).date().isoformat()
    assert f"filename*=UTF-8''Challenges-{day}.csv" in resp.headers["Content-Disposition"]


def test_text_that_looks_like_a_formula_stays_text(factory, client, login):
    issuer = factory.org_user(Role.ENTERPRISE, org_name='=HYPERLINK("http://x")公司')
    factory.challenge(issuer, title="=1+1 测试榜单")
    login(client, factory.staff())
    sheet = xlsx_sheet(download(client, "/staff/exports/challenges.xlsx"))
    title = sheet["B2"]
    assert title.value == "=1+1 测试榜单" and title.data_type == "s"
    assert sheet["C2"].data_type == "s"
    rows = csv_rows(download(client, "/staff/exports/challenges.csv"))
    assert rows[1][1] == "'=1+1 测试榜单"
    assert rows[1][2].startswith("'=HYPERLINK")


def _bulk_challenges(n: int, organisation_id: int, user_id: int) -> None:
    now = db.utcnow()
    rows = [
        {
            "code": f"LH-2026-{9000 + i}",
            "organisation_id": organisation_id,
            "created_by_id": user_id,
            "status": ChallengeStatus.PUBLISHED,
            "title": f"批量榜单{i:05d}",
            "field": Industry.MATERIALS,
            "problem": "",
            "background": "",
            "deliverables": "",
            "budget_total_fen": 10 * WAN + i * 10_000,
            "enterprise_funds_fen": 10 * WAN,
            "subsidy_requested_fen": i * 10_000,
            "period_months": 12,
            "deadline": now + timedelta(days=40),
            "eligible_kinds": [],
            "qualifications": "",
            "consortium_allowed": False,
            "consortium_max": 1,
            "contact_name": "",
            "contact_phone": "",
            "contact_email": "",
            "review_comment": "",
            "cancel_reason": "",
            "created_at": now,
            "updated_at": now,
            "published_at": now,
            "version_id": 1,
            "revision": 0,
        }
        for i in range(n)
    ]
    with db.engine().begin() as conn:
        conn.execute(Challenge.__table__.insert(), rows)


def test_a_large_export_is_streamed_in_pieces(factory, client, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    _bulk_challenges(2000, issuer.organisation_id, issuer.id)
    login(client, factory.staff())
    resp = download(client, "/staff/exports/challenges.csv")
    # Sent in pieces as the rows are read: a header and a batch of rows first, then batches.
    chunks = list(resp.response)
    assert len(chunks) == 5
    assert chunks[0].decode("utf-8-sig").count("\r\n") == 501
    lines = resp.get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 2001
    assert lines[-1].startswith("LH-2026-10999,批量榜单01999")
    assert ",10.00,10.00,0.00," in lines[1]
    rows = xlsx_rows(download(client, "/staff/exports/challenges.xlsx"))
    assert len(rows) == 2001
    assert rows[-1][1] == "批量榜单01999" and rows[-1][5] == 29.99
