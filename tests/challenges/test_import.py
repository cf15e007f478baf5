"""Bulk import (需求征集): template, upload, preview with problems marked, confirm, re-import."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl
import pytest
import time_machine
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace import db
from marketplace.accounts.models import Organisation, Role
from marketplace.audit import AuditEvent
from marketplace.challenges import importing
from marketplace.challenges import services as ch
from marketplace.challenges.import_sheet import COLUMNS, MAX_ROWS
from marketplace.challenges.models import Challenge, ChallengeStatus, Indicator
from marketplace.challenges.schemas import SHANGHAI, parse_challenge
from marketplace.errors import Conflict, ValidationFailed
from marketplace.notifications import Notification

from ..factories import Factory, challenge_raw, valid_uscc

HEADERS = [c.header for c in COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")


def uscc_of(user) -> str:
    return db.session().get(Organisation, user.organisation_id).uscc


def beijing(days: float) -> datetime:
    """A naive Beijing time ``days`` from now, to the minute (what a spreadsheet cell holds)."""
    local = (db.utcnow() + timedelta(days=days)).astimezone(SHANGHAI)
    return local.replace(tzinfo=None, second=0, microsecond=0)


def deadline_cell(n: int):
    """Deadlines as people type them: a date cell, a date only, a date and time with slashes."""
    moment = beijing(60 + n % 30)
    return [moment, moment.strftime("%Y-%m-%d"), moment.strftime("%Y/%m/%d %H:%M")][n % 3]


def good_row(uscc: str, n: int, *, deadline=None) -> dict:
    """A valid row as a person fills it in, varied the ways spreadsheets vary."""
    row = {
        "发榜单位统一社会信用代码": uscc,
        "榜单名称": f"第{n}号 高镍正极材料连续化制备工艺",
        "产业领域": ["新材料", "pharma", "高端装备制造"][n % 3],
        "技术难题": f"现有工艺批次一致性差（{n}），需开发连续化制备工艺。",
        "背景与现状": "企业现有年产 2000 吨产线。" if n % 2 else "",
        "预期成果": "中试工艺包一套，发明专利 2 项。",
        "榜单金额（万元）": 300,
        "企业出资（万元）": 212.5,
        "申请政府资助（万元）": 87.5,
        "实施周期（月）": 24,
        "揭榜截止时间": deadline if deadline is not None else deadline_cell(n),
        "可揭榜单位类型": ["高等院校、科研院所", "university,institute", "医院"][n % 3],
        "资质要求": "",
        "允许联合揭榜": "是" if n % 2 else "否",
        "联合体成员上限": 3 if n % 2 else "",
        "联系人": "张工",
        "联系电话": "0576-85000000",
        "联系邮箱": "" if n % 4 else "zhang@example.cn",
    }
    for k in range(1, 1 + 1 + n % 3):
        row[f"指标{k}名称"] = f"指标{k}"
        row[f"指标{k}目标值"] = f"≥{200 + k}"
        row[f"指标{k}单位"] = "mAh/g"
        row[f"指标{k}验收方式"] = "第三方检测"
    return row


# (how the row is broken, the message its preview must show)
BREAKAGES = [
    ("unknown_org", "平台上没有统一社会信用代码为"),
    ("unverified_org", "尚未通过科技局认证"),
    ("split", "应等于榜单金额"),
    ("indicator_target", "缺少目标值"),
    ("past_deadline", "必须晚于当前时间"),
    ("absurd_amount", "金额超过上限"),
    ("check_digit", "统一社会信用代码无效"),
    ("duplicate", "行内容完全相同"),
]


def mixed_rows(
    count: int, usccs: list[str], unverified: str, *, first: int
) -> tuple[list[dict], dict]:
    """``count`` rows, every 7th broken in one of the ways above; returns rows and {row: msg}.

    ``first`` is the spreadsheet row number of the first data row.
    """
    rows, broken = [], {}
    for i in range(count):
        row = good_row(usccs[i % len(usccs)], i)
        if i % 7 == 6:
            kind, message = BREAKAGES[(i // 7) % len(BREAKAGES)]
            if kind == "unknown_org":
                row["发榜单位统一社会信用代码"] = valid_uscc(900_000 + i)
            elif kind == "unverified_org":
                row["发榜单位统一社会信用代码"] = unverified
            elif kind == "split":
                row["企业出资（万元）"] = 250
            elif kind == "indicator_target":
                row["指标1目标值"] = ""
            elif kind == "past_deadline":
                row["揭榜截止时间"] = beijing(-2)
            elif kind == "absurd_amount":
                row.update(
                    {"榜单金额（万元）": 3e6, "企业出资（万元）": 3e6, "申请政府资助（万元）": 0}
                )
            elif kind == "check_digit":
                code = row["发榜单位统一社会信用代码"]
                row["发榜单位统一社会信用代码"] = code[:-1] + ("1" if code[-1] != "1" else "2")
            else:
                row = dict(rows[-1])
                message = f"与第 {first + i - 1} 行内容完全相同"  # the previous row
            broken[first + i] = message
        rows.append(row)
    return rows, broken


def text_cell(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def to_xlsx(rows: list[dict]) -> bytes:
    """Filled in the downloaded template, as staff would."""
    wb = openpyxl.load_workbook(io.BytesIO(importing.build_template()))
    sheet = wb["榜单"]
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(rows: list[dict], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([text_cell(row.get(h)) for h in HEADERS])
    return out.getvalue().encode(encoding)


# The template keeps its example row (row 2, never imported): data starts a row later.
FIRST_ROW = {"xlsx": 3, "csv-utf8": 2, "csv-gb18030": 2}


def encode(rows: list[dict], kind: str) -> tuple[str, bytes]:
    if kind == "xlsx":
        return "需求征集.xlsx", to_xlsx(rows)
    encoding = {"csv-utf8": "utf-8-sig", "csv-utf8-nobom": "utf-8", "csv-gb18030": "gb18030"}
    return "需求征集.csv", to_csv(rows, encoding[kind])


def upload(client, name: str, data: bytes, *, publish: bool = False):
    form = {"file": FileStorage(io.BytesIO(data), filename=name)}
    if publish:
        form["publish"] = "1"
    # Encoded here: the test client spools big bodies to a temporary file it never closes.
    boundary, body = encode_multipart(form)
    return client.post(
        "/staff/import/preview",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def preview_rows(html: str) -> dict[int, tuple[str, str]]:
    """{row number: (status, cell text)} from the preview table."""
    found = re.findall(r'<tr id="row-(\d+)" data-status="(\w+)">(.*?)</tr>', html, re.S)
    return {int(n): (status, body) for n, status, body in found}


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def count(model) -> int:
    db.refresh_read_session()
    return db.session().exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def issuers(factory: Factory):
    return [factory.org_user(Role.ENTERPRISE) for _ in range(3)]


def test_the_template_downloads_with_chinese_headers(client, factory: Factory, login):
    login(client, factory.staff())
    resp = client.get("/staff/import/template.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == XLSX
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and quote("榜单导入模板.xlsx") in disposition
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = wb["榜单"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert HEADERS[:3] == ["发榜单位统一社会信用代码", "榜单名称", "产业领域"]
    assert HEADERS[-4:] == ["指标5名称", "指标5目标值", "指标5单位", "指标5验收方式"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "B2"
    notes = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "新材料" in notes and "GB18030" in notes
    # The template as downloaded holds only the example row, which is never imported.
    again = upload(client, "榜单导入模板.xlsx", resp.data)
    assert again.status_code == 422 and "没有可导入的数据行" in again.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["xlsx", "csv-utf8", "csv-gb18030"])
def test_a_500_row_file_imports_exactly_its_valid_rows(
    client, factory: Factory, login, issuers, kind
):
    unverified = factory.org_user(Role.ENTERPRISE, verified=False)
    usccs = [uscc_of(u) for u in issuers]
    first = FIRST_ROW[kind]
    rows, broken = mixed_rows(500, usccs, uscc_of(unverified), first=first)
    staff = factory.staff()
    login(client, staff)
    name, data = encode(rows, kind)

    page = upload(client, name, data)
    assert page.status_code == 200
    shown = preview_rows(page.get_data(as_text=True))
    assert sorted(shown) == list(range(first, first + 500))
    assert {n for n, (status, _) in shown.items() if status == "invalid"} == set(broken)
    for number, message in broken.items():
        assert message in shown[number][1], (number, shown[number][1])
    assert all(status == "ready" for n, (status, _) in shown.items() if n not in broken)
    assert count(Challenge) == 0  # a preview writes nothing

    report = client.post(
        "/staff/import/confirm", data={"token": token_of(page.get_data(as_text=True))}
    )
    assert report.status_code == 200
    valid = [(n, r) for n, r in enumerate(rows, start=first) if n not in broken]
    assert f"已导入 {len(valid)} 个榜单草稿" in report.get_data(as_text=True)
    saved = {c.title: c for c in db.session().exec(select(Challenge))}
    assert sorted(saved) == sorted(r["榜单名称"] for _, r in valid)
    org_of = {uscc_of(u): u.organisation_id for u in issuers}
    per_challenge = select(Indicator.challenge_id, func.count()).group_by(Indicator.challenge_id)
    indicators = dict(db.session().exec(per_challenge).all())
    for _, row in valid:
        c = saved[row["榜单名称"]]
        assert c.status is ChallengeStatus.DRAFT and c.code is None
        assert c.organisation_id == org_of[row["发榜单位统一社会信用代码"]]
        assert c.created_by_id == staff.id
        assert (c.budget_total_fen, c.subsidy_requested_fen) == (300_000_000, 87_500_000)
        assert indicators[c.id] == sum(1 for h in row if h.endswith("名称") and "指标" in h)
    # Nothing of a broken row is left behind: no challenge, indicator or audit event.
    assert count(Indicator) == sum(indicators.values())
    imports = db.session().exec(select(func.count()).where(AuditEvent.action == "challenge.import"))
    assert imports.one() == len(valid)

    # The same file again: every row recognised, nothing new to import.
    again = upload(client, name, data).get_data(as_text=True)
    statuses = [status for status, _ in preview_rows(again).values()]
    assert statuses.count("imported") == len(valid) and "ready" not in statuses
    assert 'name="token"' not in again
    assert count(Challenge) == len(valid)


def test_the_same_rows_in_another_format_are_not_imported_twice(
    client, factory: Factory, login, issuers
):
    rows = [good_row(uscc_of(issuers[i % 3]), i) for i in range(12)]
    login(client, factory.staff())
    first = upload(client, *encode(rows, "xlsx")).get_data(as_text=True)
    client.post("/staff/import/confirm", data={"token": token_of(first)})
    assert count(Challenge) == 12
    for kind in ("csv-utf8", "csv-utf8-nobom", "csv-gb18030"):
        page = upload(client, *encode(rows, kind)).get_data(as_text=True)
        assert [s for s, _ in preview_rows(page).values()] == ["imported"] * 12
    assert count(Challenge) == 12
    # A corrected row is new content: imported again, with a warning about the same title.
    rows[0]["技术难题"] += "（修订）"
    page = upload(client, *encode(rows, "csv-gb18030")).get_data(as_text=True)
    status, cells = preview_rows(page)[2]
    assert status == "ready" and "该单位已有同名榜单" in cells


def test_a_row_imported_meanwhile_is_skipped_not_doubled(
    app, factory: Factory, issuers, monkeypatch
):
    staff = factory.staff()
    rows = importing.read_rows(
        "a.csv", to_csv([good_row(uscc_of(issuers[0]), i) for i in range(3)], "utf-8")
    )
    checked = importing.preview

    def preview_then_race(*args, **kwargs):
        results = checked(*args, **kwargs)
        first = results[0]  # another staff member's import saves this row right now
        importing.create_imported_challenge(
            actor=staff,
            organisation_id=first.organisation_id,
            data=first.data,
            import_key=first.import_key,
        )
        return results

    monkeypatch.setattr(importing, "preview", preview_then_race)
    report = importing.import_rows(actor=staff, rows=rows, publish=False)
    assert [r.row for r in report.imported] == [3, 4]
    assert [(r.row, r.status.value) for r in report.skipped] == [(2, "imported")]
    assert count(Challenge) == 3


def test_importing_the_same_token_twice_creates_no_duplicates(
    client, factory: Factory, login, issuers
):
    staff = factory.staff()
    rows = [good_row(uscc_of(issuers[0]), i) for i in range(3)]
    login(client, staff)
    token = token_of(upload(client, *encode(rows, "csv-utf8")).get_data(as_text=True))
    # Two tabs previewed the same file; both confirm.
    other = token_of(upload(client, *encode(rows, "csv-utf8")).get_data(as_text=True))
    assert client.post("/staff/import/confirm", data={"token": token}).status_code == 200
    second = client.post("/staff/import/confirm", data={"token": other})
    assert "已导入 0 个榜单草稿" in second.get_data(as_text=True)
    assert "已导入过" in second.get_data(as_text=True)
    assert count(Challenge) == 3
    # A used token is gone.
    assert client.post("/staff/import/confirm", data={"token": token}).status_code == 400


def test_drafts_go_to_the_issuer_who_can_submit_them(client, factory: Factory, login, issuers):
    issuer = issuers[0]
    login(client, factory.staff())
    page = upload(client, *encode([good_row(uscc_of(issuer), 1)], "xlsx")).get_data(as_text=True)
    client.post("/staff/import/confirm", data={"token": token_of(page)})
    challenge = db.session().exec(select(Challenge)).one()
    note = db.session().exec(select(Notification).where(Notification.user_id == issuer.id)).one()
    assert "录入榜单草稿" in note.title
    submitted = ch.submit_challenge(actor=issuer, challenge_id=challenge.id)
    assert submitted.status is ChallengeStatus.PENDING_REVIEW


def test_publishing_gives_codes_and_refuses_deadlines_too_close(
    client, factory: Factory, login, issuers
):
    usccs = [uscc_of(u) for u in issuers]
    rows = [good_row(usccs[i % 3], i) for i in range(4)]
    rows.append(good_row(usccs[0], 99, deadline=beijing(10)))  # row 6: < 30 days away
    login(client, factory.staff())
    page = upload(client, *encode(rows, "csv-utf8"), publish=True).get_data(as_text=True)
    shown = preview_rows(page)
    assert shown[6][0] == "invalid" and "不足 30 天，不能直接发布" in shown[6][1]
    assert [shown[n][0] for n in range(2, 6)] == ["ready"] * 4
    report = client.post("/staff/import/confirm", data={"token": token_of(page)})
    assert "已导入并发布 4 个榜单" in report.get_data(as_text=True)
    published = db.session().exec(select(Challenge)).all()
    assert len(published) == 4
    year = db.utcnow().astimezone(SHANGHAI).year
    for c in published:
        assert c.status is ChallengeStatus.PUBLISHED and c.published_at is not None
        assert re.fullmatch(rf"LH-{year}-\d{{4}}", c.code)
        assert c.code in report.get_data(as_text=True)
    # As drafts, the close deadline is fine: the enterprise will change it before submitting.
    draft = upload(client, *encode(rows, "csv-utf8")).get_data(as_text=True)
    assert preview_rows(draft)[6][0] == "ready"


def test_a_row_refused_at_publication_leaves_nothing(app, factory: Factory, issuers):
    staff = factory.staff()
    data = parse_challenge(challenge_raw(deadline=beijing(5).strftime("%Y-%m-%d")), now=db.utcnow())
    before = count(AuditEvent)
    with pytest.raises(ValidationFailed, match="不足 30 天"):
        importing.create_imported_challenge(
            actor=staff,
            organisation_id=issuers[0].organisation_id,
            data=data,
            import_key="k" * 64,
            publish=True,
        )
    assert (count(Challenge), count(Indicator), count(AuditEvent)) == (0, 0, before)
    # The unique key is the backstop against a second import of the same row.
    kwargs = {"organisation_id": issuers[0].organisation_id, "data": data, "import_key": "k" * 64}
    importing.create_imported_challenge(actor=staff, **kwargs)
    with pytest.raises(Conflict):
        importing.create_imported_challenge(actor=staff, **kwargs)
    assert count(Challenge) == 1


ROUTES = [
    ("GET", "/staff/import"),
    ("GET", "/staff/import/template.xlsx"),
    ("POST", "/staff/import/preview"),
    ("POST", "/staff/import/confirm"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_only_staff_may_import(client, factory: Factory, login, method, url):
    anonymous = client.open(url, method=method)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for user in (
        factory.org_user(Role.ENTERPRISE),
        factory.org_user(Role.RESEARCHER),
        factory.expert(),
    ):
        login(client, user)
        assert client.open(url, method=method).status_code == 403, user.role
        client.post("/logout")
    login(client, factory.admin())
    assert client.open(url, method=method).status_code in (200, 400)


def _wrong_headers() -> bytes:
    header = ["统一社会信用代码", *HEADERS[1:], "备注"]
    return ",".join(header).encode()


def _too_many_rows(issuers) -> bytes:
    return to_csv([good_row(uscc_of(issuers[0]), 1)] * (MAX_ROWS + 1), "utf-8")


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        (None, None, 400, "请选择要上传的文件"),
        ("申报书.pdf", lambda _i: b"%PDF-1.4\n%%EOF", 400, "请上传 .xlsx 或 .csv 文件"),
        ("旧表.xls", lambda _i: b"\xd0\xcf\x11\xe0", 400, "另存为 .xlsx"),
        ("utf16.csv", lambda _i: ",".join(HEADERS).encode("utf-16"), 422, "无法识别文件编码"),
        ("坏表.xlsx", lambda _i: b"PK\x03\x04 not really a zip", 422, "无法读取该 Excel 文件"),
        ("空.csv", lambda _i: b"", 422, "文件是空的"),
        ("列名.csv", lambda _i: _wrong_headers(), 422, "无法识别的列：统一社会信用代码、备注"),
        ("列名.csv", lambda _i: _wrong_headers(), 422, "缺少必填列：发榜单位统一社会信用代码"),
        ("大表.csv", _too_many_rows, 422, f"超过 {MAX_ROWS} 行"),
    ],
)
def test_bad_uploads_get_a_clear_message(
    client, factory: Factory, login, issuers, name, content, status, message
):
    login(client, factory.staff())
    if name is None:
        resp = client.post("/staff/import/preview", data={"publish": "1"})
    else:
        resp = upload(client, name, content(issuers), publish=True)
    assert resp.status_code == status
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'name="file"' in html and 'name="publish" value="1"' in html
    assert "checked" in html  # the choice is kept


def test_a_preview_belongs_to_its_uploader_and_expires(client, factory: Factory, login, issuers):
    staff, colleague = factory.staff(), factory.staff()
    rows = [good_row(uscc_of(issuers[0]), 1)]
    login(client, staff)
    token = token_of(upload(client, *encode(rows, "xlsx")).get_data(as_text=True))
    client.post("/logout")
    login(client, colleague)
    stolen = client.post("/staff/import/confirm", data={"token": token})
    assert stolen.status_code == 400 and "不属于您" in stolen.get_data(as_text=True)
    for made_up in ("", "../../secret_key", "x" * 32):
        assert client.post("/staff/import/confirm", data={"token": made_up}).status_code == 400
    client.post("/logout")
    login(client, staff)
    with time_machine.travel(datetime.now().astimezone() + timedelta(minutes=90), tick=False):
        expired = client.post("/staff/import/confirm", data={"token": token})
    assert expired.status_code == 400 and "已过期" in expired.get_data(as_text=True)
    assert count(Challenge) == 0
