"""Drafting a challenge: the bad inputs an enterprise can make, and what they get back."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.challenges.models import Challenge, ChallengeAttachment, ChallengeStatus, Indicator
from marketplace.challenges.schemas import deadline_local_text

from ..factories import Factory, challenge_raw, form_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def enterprise(client, factory: Factory, login):
    user = factory.org_user(Role.ENTERPRISE)
    login(client, user)
    return user


def test_a_valid_draft_is_saved_with_its_indicators(client, enterprise):
    resp = client.post("/challenges/new", data=form_data(challenge_raw()))
    assert resp.status_code == 302
    challenge = db.session().exec(select(Challenge)).one()
    assert challenge.status is ChallengeStatus.DRAFT
    assert challenge.organisation_id == enterprise.organisation_id
    assert challenge.budget_total_fen == 300 * 1_000_000
    assert [i.name for i in db.session().exec(select(Indicator).order_by(Indicator.position))] == [
        "首次放电比容量",
        "批次一致性",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deadline": "2020-01-01T17:00"}, "揭榜截止时间必须晚于当前时间"),
        ({"enterprise_funds": "150"}, "应等于榜单金额"),
        ({"budget_total": "-5", "enterprise_funds": "-5", "subsidy_requested": "0"}, "不能为负数"),
        (
            {"budget_total": "200000", "enterprise_funds": "200000", "subsidy_requested": "0"},
            "超过上限 10 亿元",
        ),
        ({"budget_total": "12.345"}, "最多两位小数"),
        (
            {"indicators": [{"name": "比容量", "target": "", "unit": "mAh/g", "verification": ""}]},
            "第 1 项指标“比容量”缺少目标值",
        ),
        ({"indicators": []}, "请至少填写一项可量化的关键指标"),
        ({"eligible_kinds": []}, "请至少选择一种可揭榜的单位类型"),
        ({"consortium_max": "50"}, "联合体成员数应在 2 到 10 家之间"),
        ({"period_months": "0"}, "实施周期应在 1 到 60 个月之间"),
        ({"title": ""}, "此项为必填项"),
        ({"contact_phone": "", "contact_email": ""}, "请至少填写联系电话或联系邮箱"),
    ],
)
def test_bad_input_gets_a_precise_message_and_nothing_is_stored(
    client, enterprise, overrides, message
):
    raw = challenge_raw(**overrides)
    resp = client.post("/challenges/new", data=form_data(raw))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert 'value="高镍三元正极材料低成本连续化制备工艺"' in html or overrides.get("title") == ""
    assert "现有**间歇式**共沉淀工艺" in html  # the long text they typed is still there
    assert count(Challenge) == 0 and count(Indicator) == 0


def test_script_in_markdown_is_never_rendered(client, enterprise):
    raw = challenge_raw(
        problem="见下表<script>alert('x')</script> [点我](javascript:alert(1)) "
        '<img src=x onerror="alert(2)">\n\n| 参数 | 值 |\n|---|---|\n| 温度 | 80℃ |'
    )
    client.post("/challenges/new", data=form_data(raw))
    challenge = db.session().exec(select(Challenge)).one()
    page = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "javascript:" not in page
    assert "onerror" not in page
    assert "<td>80℃</td>" in page  # Markdown tables still work


def test_extra_fields_in_the_post_are_ignored(client, enterprise, factory: Factory):
    other = factory.org_user(Role.ENTERPRISE)
    data = form_data(challenge_raw())
    data.update(status="published", organisation_id=str(other.organisation_id), code="LH-2026-9999")
    client.post("/challenges/new", data=data)
    challenge = db.session().exec(select(Challenge)).one()
    assert challenge.status is ChallengeStatus.DRAFT
    assert challenge.organisation_id == enterprise.organisation_id
    assert challenge.code is None


def test_another_enterprises_draft_looks_like_it_does_not_exist(client, factory, login):
    draft = factory.challenge(stage="draft")
    login(client, factory.org_user(Role.ENTERPRISE))
    for url in [f"/challenges/{draft.id}", f"/challenges/{draft.id}/edit"]:
        assert client.get(url).status_code == client.get("/challenges/999999").status_code == 404
    resp = client.post(f"/challenges/{draft.id}/edit", data=form_data(challenge_raw(title="改")))
    assert resp.status_code == 404
    assert client.post(f"/challenges/{draft.id}/submit").status_code == 404
    db.refresh_read_session()
    assert db.session().get(Challenge, draft.id).title != "改"


def test_a_stale_edit_gets_409_and_keeps_what_was_typed(app, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="draft")
    colleague = factory.member(issuer)
    me, them = login(app.test_client(), issuer), login(app.test_client(), colleague)
    version = draft.version_id
    first = form_data(challenge_raw(title="同事先保存的名称"))
    assert them.post(f"/challenges/{draft.id}/edit", data={**first, "version": version})
    mine = form_data(challenge_raw(title="我后保存的名称"))
    resp = me.post(f"/challenges/{draft.id}/edit", data={**mine, "version": version})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "已被他人修改并保存" in html and "我后保存的名称" in html
    db.refresh_read_session()
    assert db.session().get(Challenge, draft.id).title == "同事先保存的名称"


def test_published_challenges_cannot_be_edited_directly(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    login(client, issuer)
    resp = client.post(
        f"/challenges/{challenge.id}/edit",
        data={**form_data(challenge_raw(title="偷改")), "version": challenge.version_id},
    )
    assert resp.status_code == 302
    db.refresh_read_session()
    assert db.session().get(Challenge, challenge.id).title != "偷改"


def _upload(client, challenge_id: int, content: bytes, name: str = "方案.pdf"):
    # Encoded in memory: werkzeug's test client spools big bodies to a temporary file that it
    # never closes, which the warnings-as-errors run would report.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(content), filename=name)})
    )
    return client.post(
        f"/challenges/{challenge_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_pdf_attachments_are_checked_by_content_and_served_as_downloads(
    app, client, factory: Factory, login
):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="draft")
    login(client, issuer)
    assert _upload(client, draft.id, PDF).status_code == 302
    renamed = _upload(client, draft.id, b"MZ\x90\x00 not a pdf at all", name="病毒.pdf")
    assert renamed.status_code == 303
    assert count(ChallengeAttachment) == 1
    attachment = db.session().exec(select(ChallengeAttachment)).one()
    assert attachment.stored_name != "方案.pdf" and attachment.stored_name.endswith(".pdf")
    with client.get(f"/challenges/attachments/{attachment.id}") as download:
        assert download.status_code == 200
        assert download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    stored = Path(app.config["UPLOAD_DIR"]) / "challenges"
    assert [p.name for p in stored.iterdir()] == [attachment.stored_name]
    # Outsiders cannot fetch a draft's files.
    client.post("/logout")
    assert client.get(f"/challenges/attachments/{attachment.id}").status_code == 404


def test_oversized_attachments_get_413(app, client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="draft")
    login(client, issuer)
    big = PDF[:-6] + b"0" * (20 * 1024 * 1024) + b"%%EOF\n"
    resp = _upload(client, draft.id, big)
    assert resp.status_code == 413
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    assert _upload(client, draft.id, PDF[:-6] + b"0" * 2048 + b"%%EOF\n").status_code == 413
    assert count(ChallengeAttachment) == 0


def test_submitting_a_draft_whose_deadline_passed_is_refused(client, factory, login):
    import time_machine

    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(
        issuer, stage="draft", deadline=deadline_local_text(db.utcnow() + timedelta(days=2))
    )
    with time_machine.travel(draft.deadline + timedelta(minutes=1), tick=False):
        login(client, issuer)
        resp = client.post(f"/challenges/{draft.id}/submit", follow_redirects=True)
    assert "揭榜截止时间已过" in resp.get_data(as_text=True)
    db.refresh_read_session()
    assert db.session().get(Challenge, draft.id).status is ChallengeStatus.DRAFT


def test_a_draft_takes_at_most_ten_attachments(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="draft")
    login(client, issuer)
    for n in range(10):
        assert _upload(client, draft.id, PDF, name=f"附件{n}.pdf").status_code == 302
    eleventh = _upload(client, draft.id, PDF, name="附件10.pdf")
    page = client.get(f"/challenges/{draft.id}/edit").get_data(as_text=True)
    assert "每个榜单最多 10 个附件" in eleventh.get_data(as_text=True) + page
    assert count(ChallengeAttachment) == 10
