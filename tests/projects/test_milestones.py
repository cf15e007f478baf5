"""Milestone reports: the team reports with indicator values and PDF evidence, the issuer signs
off or returns, staff accept, return or fail (optionally after a 现场考察); returned reports
keep their history; each party sees and may do only its own part."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.notifications import Notification
from marketplace.projects import milestone_queries as q
from marketplace.projects import milestones as svc
from marketplace.projects.milestone_models import (
    Inspection,
    Milestone,
    MilestoneReport,
    MilestoneStatus,
    ReportAttachment,
    ReportOutcome,
)

from .milestones_world import (
    PDF,
    fresh,
    milestones,
    pdf_file,
    report,
    signed_off,
    values_for,
)


@pytest.fixture
def world(active_project):
    with time_machine.travel(active_project["at"], tick=False):
        yield active_project


def _form(milestone, *, values=None, delivered="完成样机并测试", files=()):
    data = {"delivered": delivered}
    for key, value in (values if values is not None else values_for(milestone)).items():
        data[f"value_{key}"] = value
    data["file"] = list(files)
    return data


def test_the_team_reports_the_issuer_signs_off_and_staff_accept_through_the_pages(
    world, client, login
):
    first = milestones(world)[0]
    login(client, world["leader"])
    page = client.get(f"/projects/milestones/{first.id}")
    assert page.status_code == 200 and "提交里程碑报告" in page.get_data(as_text=True)
    resp = client.post(
        f"/projects/milestones/{first.id}/report",
        data=_form(first, files=[(pdf_file().stream, "测试报告.pdf")]),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert fresh(Milestone, first.id).status is MilestoneStatus.REPORTED
    text = client.get(f"/projects/milestones/{first.id}").get_data(as_text=True)
    assert "测试报告.pdf" in text and "提交里程碑报告" not in text
    attachment = db.session().exec(select(ReportAttachment)).one()
    download = client.get(f"/projects/report-attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    client.post("/logout")

    login(client, world["issuer"])
    as_issuer = client.get(f"/projects/report-attachments/{attachment.id}")
    assert as_issuer.status_code == 200
    as_issuer.close()
    resp = client.post(f"/projects/milestones/{first.id}/sign-off", data={"comment": "同意"})
    assert resp.status_code == 302
    assert fresh(Milestone, first.id).status is MilestoneStatus.SIGNED_OFF
    client.post("/logout")

    login(client, world["staff"])
    resp = client.post(
        f"/projects/milestones/{first.id}/review",
        data={"decision": MilestoneStatus.ACCEPTED.value, "comment": ""},
    )
    assert resp.status_code == 302
    accepted = fresh(Milestone, first.id)
    assert accepted.status is MilestoneStatus.ACCEPTED and accepted.accepted_at is not None
    page = client.get(f"/projects/{world['project'].id}").get_data(as_text=True)
    assert MilestoneStatus.ACCEPTED.label in page
    told = db.session().exec(
        select(Notification.title).where(Notification.user_id == world["leader"].id)
    )
    assert any("审核通过" in t for t in told)


def test_a_report_missing_an_indicator_value_is_refused_naming_it_and_nothing_is_stored(
    world, client, login
):
    first = milestones(world)[0]
    indicators = q.due_indicators(db.session(), first.id)
    assert indicators, "the fixture's milestones carry the challenge's indicators"
    values = values_for(first)
    values[str(indicators[-1].id)] = " "
    login(client, world["leader"])
    resp = client.post(
        f"/projects/milestones/{first.id}/report",
        data=_form(first, values=values, files=[(pdf_file().stream, "a.pdf")]),
        content_type="multipart/form-data",
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert indicators[-1].name in text and "完成样机并测试" in text  # the input is kept
    assert fresh(Milestone, first.id).status is MilestoneStatus.PLANNED
    assert db.session().exec(select(MilestoneReport)).all() == []
    assert db.session().exec(select(ReportAttachment)).all() == []
    folder = Path(client.application.config["UPLOAD_DIR"]) / svc.EVIDENCE_KIND
    assert list(folder.glob("*.pdf")) == []  # the uploaded file was removed again


def test_a_file_that_is_not_a_pdf_or_too_big_is_refused(world, client, login, app):
    first = milestones(world)[0]
    login(client, world["leader"])
    fake = client.post(
        f"/projects/milestones/{first.id}/report",
        data=_form(first, files=[(pdf_file(data=b"MZ not a pdf").stream, "x.pdf")]),
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422 and "不是有效的 PDF" in fake.get_data(as_text=True)
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    big = client.post(
        f"/projects/milestones/{first.id}/report",
        data=_form(first, files=[(pdf_file(data=PDF + b" " * 200 + b"%%EOF").stream, "b.pdf")]),
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    assert fresh(Milestone, first.id).status is MilestoneStatus.PLANNED


def test_returned_reports_keep_their_history_and_the_next_report_is_a_new_round(world):
    first = milestones(world)[0]
    report(world, first)
    with pytest.raises(ValidationFailed):  # a return needs its reasons
        svc.return_report(actor=world["issuer"], milestone_id=first.id, comment=" ")
    svc.return_report(actor=world["issuer"], milestone_id=first.id, comment="缺测试报告")
    assert fresh(Milestone, first.id).status is MilestoneStatus.PLANNED
    report(world, first, delivered="补充了测试报告")
    svc.sign_off_report(actor=world["issuer"], milestone_id=first.id)
    svc.return_report(actor=world["staff"], milestone_id=first.id, comment="数据需第三方检测")
    report(world, first, delivered="第三方检测报告")
    rows = q.reports_of(db.session(), first.id)
    assert [r.round for r in rows] == [3, 2, 1]
    assert [r.outcome for r in rows] == [
        ReportOutcome.PENDING,
        ReportOutcome.RETURNED_BY_STAFF,
        ReportOutcome.RETURNED_BY_ISSUER,
    ]
    assert rows[2].issuer_comment == "缺测试报告" and rows[1].staff_comment == "数据需第三方检测"


def test_staff_record_an_inspection_before_deciding_and_the_page_shows_it(world, client, login):
    first = milestones(world)[0]
    signed_off(world, first)
    login(client, world["staff"])
    bad = client.post(f"/projects/milestones/{first.id}/inspection", data={"inspectors": "张三"})
    assert bad.status_code == 422 and "请填写考察日期" in bad.get_data(as_text=True)
    ok = client.post(
        f"/projects/milestones/{first.id}/inspection",
        data={
            "inspected_on": q.today().isoformat(),
            "inspectors": "张三、李四",
            "findings": "生产线已安装调试",
        },
    )
    assert ok.status_code == 302
    assert db.session().exec(select(Inspection)).one().inspectors == "张三、李四"
    assert "生产线已安装调试" in client.get(f"/projects/milestones/{first.id}").get_data(
        as_text=True
    )


def test_the_last_milestone_is_judged_in_acceptance_not_in_a_review(world):
    last = milestones(world)[-1]
    assert last.final
    signed_off(world, last)
    with pytest.raises(ValidationFailed, match="验收"):
        svc.review_milestone(actor=world["staff"], milestone_id=last.id, passed=True)


def test_each_party_may_only_do_its_own_step(world, factory):
    first = milestones(world)[0]
    other_enterprise = factory.org_user(Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):  # the issuer cannot report for the team
        svc.report_milestone(
            actor=world["issuer"], milestone_id=first.id, delivered="x", values=values_for(first)
        )
    with pytest.raises(NotFound):  # another enterprise: the milestone is not there for it
        svc.report_milestone(
            actor=other_enterprise, milestone_id=first.id, delivered="x", values={}
        )
    report(world, first)
    with pytest.raises(PermissionDenied):  # the team cannot sign off its own report
        svc.sign_off_report(actor=world["leader"], milestone_id=first.id)
    with pytest.raises(NotFound):
        svc.sign_off_report(actor=other_enterprise, milestone_id=first.id)
    with pytest.raises(PermissionDenied):  # only staff review
        svc.review_milestone(actor=world["issuer"], milestone_id=first.id, passed=True)
    assert fresh(Milestone, first.id).status is MilestoneStatus.REPORTED


ROLE_STATUS = {
    # who → (GET the milestone page, POST sign-off of a reported milestone)
    "leader": (200, 403),
    "issuer": (200, 302),
    "staff": (200, 403),  # staff do not sign off for the enterprise
    "other_enterprise": (404, 404),
    "other_team": (404, 404),
}


@pytest.mark.parametrize("who", list(ROLE_STATUS))
def test_who_sees_a_milestone_and_who_signs_it_off(world, client, login, factory, who):
    first = milestones(world)[0]
    report(world, first)
    user = {
        "other_enterprise": lambda: factory.org_user(Role.ENTERPRISE),
        "other_team": lambda: world["teams"][1],
    }.get(who, lambda: world[who])()
    login(client, user)
    see, sign = ROLE_STATUS[who]
    assert client.get(f"/projects/milestones/{first.id}").status_code == see
    assert client.post(f"/projects/milestones/{first.id}/sign-off").status_code == sign
    expected = MilestoneStatus.SIGNED_OFF if sign == 302 else MilestoneStatus.REPORTED
    assert fresh(Milestone, first.id).status is expected
