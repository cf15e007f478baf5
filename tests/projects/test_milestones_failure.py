"""A failed review suspends payment with a rectification period and one re-review; a second
failure terminates the project (追回 and an integrity record when the team is at fault); staff
may terminate directly with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.errors import PermissionDenied, ValidationFailed
from marketplace.integrity.models import IntegrityRecord
from marketplace.projects import ledger
from marketplace.projects import milestones as svc
from marketplace.projects.ledger_models import Tranche, TrancheStatus
from marketplace.projects.milestone_models import Milestone, MilestoneStatus
from marketplace.projects.models import ProjectStatus

from .milestones_world import failed, milestones, project_now, receive_all, report, signed_off


@pytest.fixture
def world(active_project):
    with time_machine.travel(active_project["at"], tick=False):
        yield active_project


def test_a_failed_review_suspends_payment_and_a_passed_re_review_resumes_it(world):
    first = milestones(world)[0]
    failed(world, first)
    m = milestones(world)[0]
    assert m.status is MilestoneStatus.FAILED and m.failures == 1
    assert m.rectify_until == svc.add_months(svc.q.today(), 3)
    assert project_now(world).status is ProjectStatus.SUSPENDED
    report(world, m, delivered="整改后重新报告")  # the team reports again
    signed_off_again = milestones(world)[0]
    assert signed_off_again.status is MilestoneStatus.REPORTED
    svc.sign_off_report(actor=world["issuer"], milestone_id=m.id)
    svc.review_milestone(actor=world["staff"], milestone_id=m.id, passed=True)
    assert milestones(world)[0].status is MilestoneStatus.ACCEPTED
    assert project_now(world).status is ProjectStatus.ACTIVE


def test_a_failed_review_needs_its_reasons(world):
    first = milestones(world)[0]
    signed_off(world, first)
    with pytest.raises(ValidationFailed, match="理由"):
        svc.review_milestone(actor=world["staff"], milestone_id=first.id, passed=False)
    assert milestones(world)[0].status is MilestoneStatus.SIGNED_OFF


def test_a_second_failure_terminates_the_project_and_when_the_team_is_at_fault_recovers(world):
    first = milestones(world)[0]
    tranches = (
        db.session().exec(select(Tranche).where(Tranche.project_id == world["project"].id)).all()
    )
    signing = [t for t in tranches if t.milestone_id is None]
    if signing:  # the first tranche on signing was paid before the trouble started
        receive_all(world)
        ledger.release_tranche(
            actor=world["staff"], tranche_id=signing[0].id, idempotency_key="sign-1"
        )
    failed(world, first)
    failed(world, milestones(world)[0], team_at_fault=True)
    project = project_now(world)
    assert project.status is ProjectStatus.TERMINATED and project.team_at_fault
    assert all(m.status is MilestoneStatus.CANCELLED for m in milestones(world))
    db.refresh_read_session()
    statuses = {
        t.status
        for t in db.session().exec(select(Tranche).where(Tranche.project_id == project.id))
        if t.milestone_id is not None
    }
    assert statuses == {TrancheStatus.CANCELLED}
    record = db.session().exec(select(IntegrityRecord)).one()
    assert record.project_id == project.id
    assert record.organisation_id == project.organisation_id
    balances = ledger.balances(db.session(), project.id)
    if signing:
        assert sum(b.due_back for b in balances.values()) == sum(
            b.released for b in balances.values()
        )
    with pytest.raises(ValidationFailed):  # nothing more to report on a closed project
        report(world, milestones(world)[0])


def test_staff_terminate_directly_with_a_reason_and_no_fault_leaves_no_record(world, client, login):
    login(client, world["staff"])
    pid = world["project"].id
    refused = client.post(f"/projects/{pid}/terminate", data={"reason": " "})
    assert refused.status_code == 422 and "请写明终止理由" in refused.get_data(as_text=True)
    assert project_now(world).status is ProjectStatus.ACTIVE
    done = client.post(f"/projects/{pid}/terminate", data={"reason": "企业经营困难，双方协商"})
    assert done.status_code == 302
    project = project_now(world)
    assert project.status is ProjectStatus.TERMINATED and not project.team_at_fault
    assert project.termination_reason == "企业经营困难，双方协商"
    assert db.session().exec(select(IntegrityRecord)).all() == []
    with pytest.raises(PermissionDenied):
        svc.terminate_project(actor=world["leader"], project_id=pid, reason="不想做了")


def test_rectify_until_runs_from_the_decision_day(world):
    first = milestones(world)[0]
    later = world["at"] + timedelta(days=40)
    with time_machine.travel(later, tick=False):
        failed(world, first)
        m = db.session().get(Milestone, first.id)
        assert m.rectify_until == svc.add_months(svc.q.today(), 3)
