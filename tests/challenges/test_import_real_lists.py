"""Real demand lists (需求征集汇总表) import as drafts, however incomplete they are.

The sheets here are laid out as county science bureaus publish them: a title line above the
header, a 序号 column, the programme (项目类别), the year (年度), where the demand came from
(来源) and the enterprise's own wording (原文), budgets of "面议" and no deadline or contact.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Organisation, Role
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.challenges.schemas import SHANGHAI, parse_challenge

from ..factories import Factory, challenge_raw, form_data
from .test_import import preview_rows, token_of, upload

HEADER = [
    "序号",
    "项目类别",
    "年度",
    "发榜单位统一社会信用代码",
    "榜单名称",
    "产业领域",
    "技术难题",
    "预期成果",
    "榜单金额（万元）",
    "实施周期（月）",
    "揭榜截止时间",
    "可揭榜单位类型",
    "联系人",
    "联系电话",
    "指标1名称",
    "指标1目标值",
    "来源",
    "原文",
]


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")


def uscc_of(user) -> str:
    return db.session().get(Organisation, user.organisation_id).uscc


def later(days: int) -> str:
    return (db.utcnow() + timedelta(days=days)).astimezone(SHANGHAI).strftime("%Y-%m-%d")


def demand_list(uscc: str) -> bytes:
    """A 需求征集 list as a township collects it: rows 3 to 8, some complete, most not."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "汇总表"
    sheet.append(["临海市 2026 年度企业技术需求征集汇总表（第二批）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    common = {"产业领域": "新材料", "可揭榜单位类型": "高等院校、科研院所", "实施周期（月）": 24}
    rows = [
        {  # row 3: budget 面议, no deadline, no indicators, no contact phone
            "序号": 1,
            "项目类别": "揭榜挂帅专项",
            "年度": 2026,
            "榜单名称": "医用级聚醚醚酮（PEEK）棒材挤出工艺",
            "技术难题": "挤出棒材内应力大，机加工后变形。",
            "预期成果": "工艺包一套",
            "榜单金额（万元）": "面议",
            "联系人": "林工",
            "来源": "杜桥镇企业走访",
            "原文": "希望找高校合作解决 PEEK 棒材挤出开裂问题，费用面议。",
        },
        {  # row 4: "about 50 万元 or so"
            "序号": 2,
            "项目类别": "重点研发",
            "年度": 2026,
            "榜单名称": "锂电池隔膜涂覆浆料分散工艺",
            "技术难题": "浆料团聚。",
            "预期成果": "配方一套",
            "榜单金额（万元）": "约50万元左右",
            "揭榜截止时间": later(90),
            "联系人": "王工",
            "联系电话": "0576-85110000",
            "指标1名称": "固含量",
            "指标1目标值": "≥45%",
        },
        {  # row 5: "within 3 months"
            "序号": 3,
            "年度": 2026,
            "榜单名称": "阀门密封面激光熔覆",
            "技术难题": "密封面磨损快。",
            "预期成果": "样件 10 件",
            "榜单金额（万元）": 80,
            "实施周期（月）": "3个月内",
            "揭榜截止时间": later(90),
            "联系人": "赵工",
            "联系电话": "0576-85220000",
            "指标1名称": "硬度",
            "指标1目标值": "≥HRC50",
        },
        {  # row 6: "next month"
            "序号": 4,
            "年度": 2026,
            "榜单名称": "中药提取液膜分离浓缩",
            "技术难题": "浓缩能耗高。",
            "预期成果": "中试线方案",
            "榜单金额（万元）": 120,
            "揭榜截止时间": "下个月",
            "联系人": "钱工",
            "联系电话": "0576-85330000",
            "指标1名称": "能耗",
            "指标1目标值": "降低30%",
        },
        {  # row 7: complete but for the contact
            "序号": 5,
            "项目类别": "揭榜挂帅专项",
            "年度": 2026,
            "榜单名称": "汽车线束连接器镀层替代",
            "技术难题": "镀金成本高。",
            "预期成果": "替代镀层工艺",
            "榜单金额（万元）": "200万",
            "揭榜截止时间": later(120),
            "指标1名称": "接触电阻",
            "指标1目标值": "≤5mΩ",
            "来源": "经信局转来",
        },
    ]
    for row in rows:
        merged = {**common, "发榜单位统一社会信用代码": uscc, **row}
        sheet.append([merged.get(h) for h in HEADER])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_csv(xlsx: bytes) -> bytes:
    """The same list saved from Excel as CSV in GB18030, as township offices often send it."""
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    out = io.StringIO()
    writer = csv.writer(out)
    for values in sheet.iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue().encode("gb18030")


@pytest.fixture
def issuer(factory: Factory):
    return factory.org_user(Role.ENTERPRISE)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_real_demand_list_previews_with_the_bad_word_named(client, factory, login, issuer, kind):
    login(client, factory.staff())
    sheet = demand_list(uscc_of(issuer))
    name, data = ("需求征集汇总表.csv", as_csv(sheet)) if kind == "csv" else ("汇总表.xlsx", sheet)
    page = upload(client, name, data)
    assert page.status_code == 200
    rows = preview_rows(page.get_data(as_text=True))
    assert sorted(rows) == [3, 4, 5, 6, 7]
    assert rows[3][0] == "ready" and rows[7][0] == "ready"
    assert "待补充" in rows[3][1]
    for missing in ("榜单金额", "揭榜截止时间", "关键指标", "联系电话或联系邮箱"):
        assert missing in rows[3][1], missing
    assert "联系人" in rows[7][1]
    budget = rows[4][1]
    assert rows[4][0] == "invalid" and "“约”" in budget and "“左右”" in budget
    assert "约50万元左右" not in budget
    period = rows[5][1]
    assert rows[5][0] == "invalid" and "“内”" in period and "3个月内" not in period
    deadline = rows[6][1]
    assert rows[6][0] == "invalid" and "无法识别“下个月”" in deadline
    assert "请填写揭榜截止时间" not in deadline


def test_incomplete_rows_become_drafts_keeping_the_other_columns(client, factory, login, issuer):
    login(client, factory.staff())
    page = upload(client, "需求征集汇总表.xlsx", demand_list(uscc_of(issuer)))
    report = client.post("/staff/import/confirm", data={"token": token_of(page.get_data(True))})
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "已导入 2 个榜单草稿" in html
    assert "待补充" in html
    peek = db.session().exec(select(Challenge).where(Challenge.title.like("医用级%"))).one()
    assert peek.status is ChallengeStatus.DRAFT
    assert peek.budget_total_fen is None and peek.deadline is None
    assert peek.source_columns == {
        "序号": "1",
        "项目类别": "揭榜挂帅专项",
        "年度": "2026",
        "榜单金额（万元）": "面议",
        "来源": "杜桥镇企业走访",
        "原文": "希望找高校合作解决 PEEK 棒材挤出开裂问题，费用面议。",
    }
    wiring = db.session().exec(select(Challenge).where(Challenge.title.like("汽车线束%"))).one()
    assert wiring.budget_total_fen == 200 * 1_000_000

    client.post("/logout")
    login(client, issuer)
    mine = client.get("/my/challenges").get_data(as_text=True)
    assert "待补充" in mine and "榜单金额" in mine
    edit = client.get(f"/challenges/{peek.id}/edit").get_data(as_text=True)
    assert "待补充" in edit and "杜桥镇企业走访" in edit and "项目类别" in edit
    assert client.get(f"/challenges/{peek.id}").status_code == 200
    notes = client.get("/notifications").get_data(as_text=True)
    assert "录入榜单草稿" in notes and "请补充榜单金额" in notes
    client.post("/logout")
    login(client, factory.staff())
    for page in ("/staff/challenges", "/staff/audit", "/", f"/challenges/{peek.id}"):
        assert client.get(page).status_code == 200, page  # a draft without money or deadline


def test_the_draft_page_shows_what_is_missing_and_the_kept_columns(client, factory, login, issuer):
    login(client, factory.staff())
    page = upload(client, "需求征集汇总表.xlsx", demand_list(uscc_of(issuer)))
    client.post("/staff/import/confirm", data={"token": token_of(page.get_data(True))})
    peek = db.session().exec(select(Challenge).where(Challenge.title.like("医用级%"))).one()
    for user in (issuer, factory.staff()):
        client.post("/logout")
        login(client, user)
        detail = client.get(f"/challenges/{peek.id}")
        html = detail.get_data(as_text=True)
        assert detail.status_code == 200
        assert "待补充" in html and "揭榜截止时间" in html
        assert "杜桥镇企业走访" in html and "费用面议" in html


def test_an_incomplete_draft_is_submitted_only_once_completed(client, factory, login, issuer):
    login(client, factory.staff())
    page = upload(client, "需求征集汇总表.xlsx", demand_list(uscc_of(issuer)))
    client.post("/staff/import/confirm", data={"token": token_of(page.get_data(True))})
    client.post("/logout")
    peek = db.session().exec(select(Challenge).where(Challenge.title.like("医用级%"))).one()
    login(client, issuer)
    refused = client.post(f"/challenges/{peek.id}/submit", follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "请先补充" in html and "榜单金额" in html and "揭榜截止时间" in html
    db.refresh_read_session()
    assert db.session().get(Challenge, peek.id).status is ChallengeStatus.DRAFT

    raw = challenge_raw(title=peek.title)
    saved = client.post(
        f"/challenges/{peek.id}/edit", data={**form_data(raw), "version": peek.version_id}
    )
    assert saved.status_code == 302
    client.post(f"/challenges/{peek.id}/submit")
    db.refresh_read_session()
    done = db.session().get(Challenge, peek.id)
    assert done.status is ChallengeStatus.PENDING_REVIEW
    assert done.source_columns["来源"] == "杜桥镇企业走访"  # kept for the reviewer


def test_publishing_at_import_still_requires_everything(client, factory, login, issuer):
    login(client, factory.staff())
    page = upload(client, "需求征集汇总表.xlsx", demand_list(uscc_of(issuer)), publish=True)
    rows = preview_rows(page.get_data(as_text=True))
    assert all(status == "invalid" for status, _ in rows.values())
    assert "榜单金额" in rows[3][1] and "揭榜截止时间" in rows[3][1]
    assert "联系人" in rows[7][1]
    assert 'name="token"' not in page.get_data(as_text=True)


def test_the_database_lets_only_drafts_lack_budget_or_deadline(app, factory: Factory):
    draft = factory.challenge(stage="draft")
    published = factory.challenge(stage="open")
    table = Challenge.__table__
    empty = dict.fromkeys(
        ("budget_total_fen", "enterprise_funds_fen", "subsidy_requested_fen", "deadline")
    )
    with db.engine().begin() as conn:
        conn.execute(update(table).where(table.c.id == draft.id).values(empty))
    for column in empty:
        with pytest.raises(IntegrityError), db.engine().begin() as conn:
            conn.execute(update(table).where(table.c.id == published.id).values({column: None}))


@pytest.mark.parametrize(
    ("key", "cell", "named", "whole"),
    [
        ("budget_total", "约50万元左右", ["“约”", "“左右”"], "约50万元左右"),
        ("budget_total", "50元", ["“元”"], "50元"),
        ("budget_total", "５０", ["“５０”"], None),
        ("period_months", "3个月内", ["“内”"], "3个月内"),
        ("period_months", "三个月", ["“三”"], "三个月"),
        ("deadline", "下个月", ["无法识别“下个月”"], None),
        ("deadline", "2027-06-30前", ["“前”"], "2027-06-30前"),
    ],
)
def test_a_cell_error_names_the_word_that_could_not_be_read(app, key, cell, named, whole):
    raw = challenge_raw(**{key: cell})
    if key == "budget_total":
        raw.update(enterprise_funds="", subsidy_requested="")
    with pytest.raises(Exception) as caught:
        parse_challenge(raw, now=db.utcnow(), allow_missing=True)
    messages = " ".join(caught.value.field_errors[key])
    for word in named:
        assert word in messages, messages
    if whole:
        assert whole not in messages


@pytest.mark.parametrize(
    ("key", "cell", "attribute", "value"),
    [
        ("budget_total", "50万元", "budget_total_fen", 50_000_000),
        ("budget_total", "50 万", "budget_total_fen", 50_000_000),
        ("period_months", "24个月", "period_months", 24),
        ("period_months", "2年", "period_months", 24),
        ("deadline", "2027年6月30日", "deadline", datetime(2027, 6, 30, 9, 0)),
        ("deadline", "2027.6.30", "deadline", datetime(2027, 6, 30, 9, 0)),
    ],
)
def test_what_people_write_in_lists_is_read(app, key, cell, attribute, value):
    raw = challenge_raw(**{key: cell})
    if key == "budget_total":
        raw.update(enterprise_funds="50", subsidy_requested="0")
    data = parse_challenge(raw, now=db.utcnow())
    got = getattr(data, attribute)
    if isinstance(value, datetime):
        got = got.replace(tzinfo=None)
    assert got == value


def test_the_form_keeps_the_one_completeness_rule(app):
    raw = challenge_raw(budget_total="面议", enterprise_funds="", subsidy_requested="")
    with pytest.raises(Exception) as caught:
        parse_challenge(raw, now=db.utcnow())
    assert "budget_total" in caught.value.field_errors
    data = parse_challenge(raw, now=db.utcnow(), allow_missing=True)
    assert data.missing == ["budget_total", "enterprise_funds"]
    assert re.search("榜单金额", " ".join(data.missing_labels()))
