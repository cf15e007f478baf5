"""Overdue is derived on every read; `tick` reminds the team 14 and 3 days before and on the
due date, once each; the one extension moves the open due dates and the end date, versioned."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.errors import PermissionDenied, ValidationFailed
from marketplace.notifications import Notification
from marketplace.projects import milestone_queries as q
from marketplace.projects import milestone_schedule as schedule
from marketplace.projects import milestones as svc
from marketplace.projects.milestone_models import (
    Extension,
    ExtensionStatus,
    PlanVersion,
    ReminderSent,
)
from marketplace.units import SHANGHAI

from .milestones_world import accepted, milestones, project_now


@pytest.fixture
def world(active_project):
    with time_machine.travel(active_project["at"], tick=False):
        yield active_project


def _beijing_morning(day):
    return datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)


def test_a_milestone_past_its_due_date_is_overdue_until_accepted(world, client, login):
    first = milestones(world)[0]
    assert not q.is_overdue(first)
    after = _beijing_morning(first.due_on + timedelta(days=1))
    with time_machine.travel(after, tick=False):
        assert q.is_overdue(first)
        assert [m.id for m in q.overdue_milestones(db.session())] == [first.id]
        login(client, world["leader"])
        page = client.get(f"/projects/{world['project'].id}").get_data(as_text=True)
        assert "已逾期" in page
        accepted(world, first)
        assert q.overdue_milestones(db.session(), project_ids=[world["project"].id]) == []


def _reminders(user_id):
    db.refresh_read_session()
    return (
        db.session()
        .exec(
            select(Notification.title).where(
                Notification.user_id == user_id, Notification.title.contains("到期")
            )
        )
        .all()
    )


def test_tick_reminds_the_team_14_and_3_days_before_and_on_the_day_once_each(world, app):
    first = milestones(world)[0]
    runner = app.test_cli_runner()
    leader = world["leader"].id
    for days, expected in ((15, 0), (14, 1), (10, 1), (3, 2), (0, 3)):
        with time_machine.travel(_beijing_morning(first.due_on - timedelta(days=days)), tick=False):
            for _ in range(2):  # tick runs often: each reminder goes out once
                result = runner.invoke(args=["marketplace", "tick"])
                assert result.exit_code == 0, result.output
        assert len([t for t in _reminders(leader) if f"{first.position} 个里程碑" in t]) == expected
    assert len(db.session().exec(select(ReminderSent)).all()) == 3
    assert any("今天到期" in t for t in _reminders(leader))
    assert _reminders(world["issuer"].id) == []


def test_an_approved_extension_moves_open_due_dates_and_the_end_and_is_versioned(world):
    first, last = milestones(world)
    accepted(world, first)
    first_due, last_due = first.due_on, last.due_on
    end = project_now(world).end_on
    with pytest.raises(ValidationFailed, match="12"):
        schedule.request_extension(
            actor=world["leader"], project_id=world["project"].id, months=13, reason="设备延迟"
        )
    with pytest.raises(PermissionDenied):
        schedule.request_extension(
            actor=world["issuer"], project_id=world["project"].id, months=3, reason="x"
        )
    ext = schedule.request_extension(
        actor=world["leader"], project_id=world["project"].id, months=3, reason="进口设备延迟到货"
    )
    schedule.decide_extension(actor=world["staff"], extension_id=ext.id, approve=True)
    moved_first, moved_last = milestones(world)
    assert moved_first.due_on == first_due  # accepted: stays where it was
    assert moved_last.due_on == svc.add_months(last_due, 3)
    assert project_now(world).end_on == svc.add_months(end, 3)
    version = db.session().exec(select(PlanVersion).order_by(PlanVersion.version.desc())).first()
    assert version.end_on == svc.add_months(end, 3)
    assert version.milestones[-1]["due_on"] == moved_last.due_on.isoformat()
    with pytest.raises(ValidationFailed, match="只能申请一次"):
        schedule.request_extension(
            actor=world["leader"], project_id=world["project"].id, months=1, reason="再延一次"
        )


def test_a_refused_extension_needs_a_reason_and_a_second_request_is_refused_on_the_page(
    world, client, login
):
    pid = world["project"].id
    login(client, world["leader"])
    resp = client.post(f"/projects/{pid}/extension", data={"months": "二", "reason": "x"})
    assert resp.status_code == 422 and "延期月数" in resp.get_data(as_text=True)
    assert (
        client.post(
            f"/projects/{pid}/extension", data={"months": "2", "reason": "样品检测排队"}
        ).status_code
        == 302
    )
    client.post("/logout")
    ext = db.session().exec(select(Extension)).one()
    login(client, world["staff"])
    refused = client.post(
        f"/projects/extensions/{ext.id}/decide",
        data={"decision": ExtensionStatus.REFUSED.value, "decision_reason": ""},
    )
    assert refused.status_code == 422 and "不予批准的理由" in refused.get_data(as_text=True)
    due = [m.due_on for m in milestones(world)]
    ok = client.post(
        f"/projects/extensions/{ext.id}/decide",
        data={"decision": ExtensionStatus.REFUSED.value, "decision_reason": "理由不充分"},
    )
    assert ok.status_code == 302
    assert [m.due_on for m in milestones(world)] == due
    client.post("/logout")
    login(client, world["leader"])
    again = client.post(f"/projects/{pid}/extension", data={"months": "1", "reason": "再试一次"})
    assert again.status_code == 422 and "只能申请一次延期" in again.get_data(as_text=True)
