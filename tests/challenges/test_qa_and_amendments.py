"""Questions and answers, amendments with their change log, and who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.challenges import amendments
from marketplace.challenges.models import Amendment, AmendmentStatus, Challenge, Question
from marketplace.challenges.schemas import deadline_local_text
from marketplace.errors import InvalidTransition
from marketplace.notifications import Notification
from marketplace.outbox import SearchOutbox

from ..factories import Factory, challenge_raw, form_data


@pytest.fixture
def world(factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    return {
        "issuer": issuer,
        "challenge": factory.challenge(issuer, stage="open"),
        "asker": factory.org_user(Role.RESEARCHER, org_name="台州问学研究院"),
        "other": factory.org_user(Role.RESEARCHER),
        "staff": factory.staff(),
    }


def page(client, challenge) -> str:
    return client.get(f"/challenges/{challenge.id}").get_data(as_text=True)


def test_questions_are_public_only_once_answered_and_never_name_the_asker(
    app, client, world, login
):
    c, asker = world["challenge"], world["asker"]
    login(client, asker)
    resp = client.post(f"/challenges/{c.id}/questions", data={"body": "正极前驱体粒径要求是多少？"})
    assert resp.status_code == 302
    assert "正极前驱体粒径要求是多少" in page(client, c)  # the asker sees their own question
    public, other = app.test_client(), login(app.test_client(), world["other"])
    assert "正极前驱体粒径" not in page(public, c)
    assert "正极前驱体粒径" not in page(other, c)

    issuer = login(app.test_client(), world["issuer"])
    assert "正极前驱体粒径要求是多少" in page(issuer, c)
    question_id = int(page(issuer, c).split("/questions/")[1].split("/answer")[0])
    assert issuer.post(f"/questions/{question_id}/answer", data={"answer": "D50 为 10±1 μm。"})

    shown = page(public, c)
    assert "正极前驱体粒径要求是多少" in shown and "D50 为 10±1 μm" in shown
    assert asker.name not in shown and asker.email not in shown and "台州问学研究院" not in shown
    told = db.session().exec(select(Notification).where(Notification.user_id == asker.id)).all()
    assert any("已有回复" in n.title for n in told)


def test_only_researchers_ask_and_only_the_issuer_or_staff_answer(app, client, world, login):
    c = world["challenge"]
    login(client, world["issuer"])
    assert (
        client.post(f"/challenges/{c.id}/questions", data={"body": "自问自答"}).status_code == 403
    )
    asker = login(app.test_client(), world["asker"])
    asker.post(f"/challenges/{c.id}/questions", data={"body": "可以联合揭榜吗？"})
    question_id = db.session().exec(select(Question.id)).one()
    other = login(app.test_client(), world["other"])
    assert (
        other.post(f"/questions/{question_id}/answer", data={"answer": "可以"}).status_code == 404
    )
    staff = login(app.test_client(), world["staff"])
    assert (
        staff.post(f"/questions/{question_id}/answer", data={"answer": "可以"}).status_code == 302
    )


def test_qa_closes_with_the_deadline(app, world, login):
    c = world["challenge"]
    with time_machine.travel(c.deadline + timedelta(minutes=1), tick=False):
        asker = login(app.test_client(), world["asker"])
        resp = asker.post(f"/challenges/{c.id}/questions", data={"body": "还能问吗？"})
        assert resp.status_code == 409
        assert "答疑已关闭" in resp.get_data(as_text=True)
        assert "榜单已截止，答疑已关闭" in page(asker, c)


def test_an_amendment_takes_effect_only_when_staff_approve_it(app, client, world, login):
    c, issuer = world["challenge"], world["issuer"]
    login(app.test_client(), world["asker"]).post(
        f"/challenges/{c.id}/questions", data={"body": "截止时间能否延长？"}
    )
    later = c.deadline + timedelta(days=14)
    raw = challenge_raw(
        deadline=deadline_local_text(later), budget_total="350", enterprise_funds="250"
    )
    login(client, issuer)
    missing_reason = client.post(f"/challenges/{c.id}/amend", data=form_data(raw))
    assert missing_reason.status_code == 422
    assert "请说明变更理由" in missing_reason.get_data(as_text=True)
    resp = client.post(
        f"/challenges/{c.id}/amend", data={**form_data(raw), "reason": "应多家团队要求延长揭榜期"}
    )
    assert resp.status_code == 302
    db.refresh_read_session()
    assert db.session().get(Challenge, c.id).deadline == c.deadline  # not yet
    amendment = db.session().exec(select(Amendment)).one()
    assert set(amendment.changes) == {"deadline", "budget_total_fen", "enterprise_funds_fen"}

    staff = login(app.test_client(), world["staff"])
    assert "应多家团队要求延长揭榜期" in staff.get("/staff/challenges").get_data(as_text=True)
    assert staff.post(f"/staff/amendments/{amendment.id}/approve").status_code == 302
    db.refresh_read_session()
    amended = db.session().get(Challenge, c.id)
    assert amended.deadline == later and amended.revision == 1
    log = page(app.test_client(), c)
    assert "变更公告" in log and "第 1 次变更" in log and "应多家团队要求延长揭榜期" in log
    assert "350.00 万元" in log
    asker_id = world["asker"].id
    told = db.session().exec(select(Notification).where(Notification.user_id == asker_id)).all()
    assert any("变更公告" in n.title for n in told)
    outbox = db.session().exec(select(SearchOutbox).where(SearchOutbox.doc_id == c.id)).all()
    assert len(outbox) == 2  # publication, amendment


def test_one_pending_amendment_at_a_time_and_decisions_are_final(world, factory: Factory):
    c, issuer, staff = world["challenge"], world["issuer"], world["staff"]
    from marketplace.challenges.schemas import parse_challenge

    data = parse_challenge(challenge_raw(title="新名称"), now=db.utcnow())
    first = amendments.propose_amendment(actor=issuer, challenge_id=c.id, data=data, reason="更名")
    with pytest.raises(InvalidTransition):
        amendments.propose_amendment(actor=issuer, challenge_id=c.id, data=data, reason="再改")
    amendments.decide_amendment(actor=staff, amendment_id=first.id, approve=False, comment="无必要")
    with pytest.raises(InvalidTransition):
        amendments.decide_amendment(actor=staff, amendment_id=first.id, approve=True)
    db.refresh_read_session()
    assert db.session().get(Amendment, first.id).status is AmendmentStatus.REJECTED
    assert db.session().get(Challenge, c.id).title != "新名称"


def test_another_enterprise_cannot_amend(client, world, factory: Factory, login):
    c = world["challenge"]
    login(client, factory.org_user(Role.ENTERPRISE))
    raw = challenge_raw(title="抢改")
    resp = client.post(f"/challenges/{c.id}/amend", data={**form_data(raw), "reason": "x"})
    assert resp.status_code == 404
    assert db.session().exec(select(Amendment)).all() == []
