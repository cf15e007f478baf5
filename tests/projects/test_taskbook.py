"""The project a confirmed award becomes, and its 任务书: edits, confirmations, the start."""

from __future__ import annotations

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from marketplace.notifications import Notification
from marketplace.projects import taskbook
from marketplace.projects.actions import ProjectAction
from marketplace.projects.ledger_models import Tranche, TrancheKind
from marketplace.projects.milestone_models import PlanVersion
from marketplace.projects.models import (
    BudgetLine,
    FundingMode,
    Party,
    Project,
    ProjectStatus,
    TaskBookConfirmation,
)
from marketplace.projects.plan import add_months, milestones_of
from marketplace.projects.taskbook import indicators_of

from .conftest import WAN, confirm_by_all


def _form(project: Project, **overrides) -> dict:
    """The 任务书 form as staff post it: the current values, then ``overrides``."""
    raw = {
        "start_on": "2027-03-01",
        "first_tranche_percent": "30",
        "funding_mode": FundingMode.LUMP_SUM.value,
        "leader_pledge": "本人承诺按期完成。",
    }
    for row in indicators_of(db.session(), project.id):
        raw[f"target_{row.id}"] = row.target
    raw.update(overrides)
    return raw


def _save(world, project, **overrides):
    with time_machine.travel(world["at"], tick=False):
        return taskbook.save_task_book(
            actor=world["staff"],
            project_id=project.id,
            raw=_form(project, **overrides),
            expected_version=db.session().get(Project, project.id).task_book_version,
        )


def test_a_confirmed_award_becomes_a_numbered_project_with_the_bids_terms(project):
    p = project["project"]
    assert p.status is ProjectStatus.TASK_BOOK and p.number.endswith("-0001")
    # 250 万元 in the challenge's proportion: enterprise 200 : subsidy 100.
    assert p.enterprise_fen + p.subsidy_fen == 250 * WAN
    assert p.enterprise_fen == 16_667 * 10_000  # 166.67 万元: budget lines are typed in 0.01 万元
    s = db.session()
    rows = indicators_of(s, p.id)
    assert [r.name for r in rows] == ["首次放电比容量", "批次一致性"]
    assert [(r.bid_value, r.higher_is_better) for r in rows] == [(205, True), (2, False)]
    assert all("通过工艺优化达到" in r.bid_commitment for r in rows)
    ms = milestones_of(s, p.id)
    assert [(m.month, m.percent, m.final) for m in ms] == [(6, 40, False), (24, 60, True)]
    # 30% of each source on signing, the rest 40/60, the rounding remainder on the last.
    for source_total, part in (
        (p.subsidy_fen, "subsidy_fen"),
        (p.enterprise_fen, "enterprise_fen"),
    ):
        signing = source_total * 30 // 100
        amounts = [getattr(m, part) for m in ms]
        assert signing + sum(amounts) == source_total
        assert amounts[0] == (source_total - signing) * 40 // 100


def test_a_target_weaker_than_the_bid_is_refused_and_nothing_is_stored(project):
    p = project["project"]
    capacity, consistency = indicators_of(db.session(), p.id)
    with pytest.raises(ValidationFailed) as caught:
        _save(project, p, **{f"target_{capacity.id}": "≥200", f"target_{consistency.id}": "≤3"})
    messages = caught.value.field_errors["targets"]
    assert any("首次放电比容量" in m and "低于揭榜承诺的 205" in m for m in messages)
    assert any("批次一致性" in m for m in messages)
    with pytest.raises(ValidationFailed) as caught:
        _save(project, p, first_tranche_percent="70")
    assert caught.value.field_errors["first_tranche_percent"] == ["首笔拨付比例不能超过 60%。"]
    db.refresh_read_session()
    assert db.session().get(Project, p.id).task_book_version == 1
    assert indicators_of(db.session(), p.id)[0].target == "≥205"
    # A stronger target is fine.
    _save(project, p, **{f"target_{capacity.id}": "≥210"})
    assert indicators_of(db.session(), p.id)[0].target_value == 210


def test_itemised_budget_lines_must_add_up_to_each_source(project):
    p = project["project"]
    lines = {
        "budget_equipment_subsidy": "50",
        "budget_labour_subsidy": "33.33",
        "budget_business_enterprise": "100",
    }
    with pytest.raises(ValidationFailed) as caught:
        _save(project, p, funding_mode=FundingMode.ITEMISED.value, **lines)
    assert any("企业资金各科目预算合计应为" in m for m in caught.value.field_errors["budget"])
    lines["budget_business_enterprise"] = "166.67"
    saved = _save(project, p, funding_mode=FundingMode.ITEMISED.value, leader_pledge="", **lines)
    lines_stored = db.session().exec(select(BudgetLine).where(BudgetLine.project_id == p.id)).all()
    assert saved.funding_mode is FundingMode.ITEMISED and len(lines_stored) == 3


def test_an_edit_voids_earlier_confirmations_and_the_last_party_starts_the_project(project):
    p, staff, issuer, leader = (project[k] for k in ("project", "staff", "issuer", "leader"))
    with time_machine.travel(project["at"], tick=False):
        taskbook.confirm_task_book(actor=issuer, project_id=p.id, version=1)
        with pytest.raises(Conflict, match="您已确认本版任务书"):
            taskbook.confirm_task_book(actor=issuer, project_id=p.id, version=1)
    _save(project, p, start_on="2027-03-01")
    with time_machine.travel(project["at"], tick=False):
        with pytest.raises(Conflict, match="已更新为第 2 版"):
            taskbook.confirm_task_book(actor=leader, project_id=p.id, version=1)
        taskbook.confirm_task_book(actor=leader, project_id=p.id, version=2)
        taskbook.confirm_task_book(actor=staff, project_id=p.id, version=2)
        assert db.session().get(Project, p.id).status is ProjectStatus.TASK_BOOK  # issuer: v1 only
        started = taskbook.confirm_task_book(actor=issuer, project_id=p.id, version=2)
    assert started.status is ProjectStatus.ACTIVE
    assert started.start_on.isoformat() == "2027-03-01"
    ms = milestones_of(db.session(), p.id)
    assert [m.due_on for m in ms] == [
        add_months(started.start_on, 6),
        add_months(started.start_on, 24),
    ]
    assert started.end_on == ms[-1].due_on
    s = db.session()
    rows = s.exec(select(TaskBookConfirmation).where(TaskBookConfirmation.version == 2)).all()
    assert {r.party for r in rows} == set(Party) and len({r.sha256 for r in rows}) == 1
    assert rows[0].sha256 == taskbook.content_sha256(taskbook.task_book_content(s, started))
    (plan,) = s.exec(select(PlanVersion).where(PlanVersion.project_id == p.id)).all()
    assert [m["due_on"] for m in plan.milestones] == [m.due_on.isoformat() for m in ms]
    kinds = [t.kind for t in s.exec(select(Tranche).where(Tranche.project_id == p.id))]
    assert kinds == [TrancheKind.SIGNING, TrancheKind.MILESTONE, TrancheKind.FINAL]
    titles = s.exec(select(Notification.title).where(Notification.user_id == leader.id)).all()
    assert any("任务书已签订" in t for t in titles)
    with pytest.raises(InvalidTransition):
        _save(project, started)


def test_only_the_three_parties_confirm(project, factory):
    p = project["project"]
    outsider = factory.org_user(Role.RESEARCHER)
    other_issuer = factory.org_user(Role.ENTERPRISE)
    team_member = project["teams"][1]  # the other bidder
    for actor in (outsider, other_issuer, team_member):
        with pytest.raises(PermissionDenied):
            taskbook.confirm_task_book(actor=actor, project_id=p.id, version=1)
    assert db.session().exec(select(TaskBookConfirmation)).all() == []


def test_the_plan_is_adjusted_once_with_both_parties_agreement(active_project, factory):
    w = active_project
    p, staff, issuer, leader = w["project"], w["staff"], w["issuer"], w["leader"]
    first, last = milestones_of(db.session(), p.id)
    later = add_months(last.due_on, 2)
    changes = {first.id: (first.deliverable, first.due_on), last.id: ("完成中试并扩产", later)}
    with pytest.raises(ValidationFailed) as caught:
        taskbook.adjust_plan(actor=staff, project_id=p.id, changes=changes, reason="设备到货延迟",
                             issuer_agreed_by=issuer.id, team_agreed_by=None)  # fmt: skip
    assert "须经挂帅人同意" in caught.value.field_errors["team_agreed_by"][0]
    with pytest.raises(PermissionDenied):
        taskbook.adjust_plan(actor=leader, project_id=p.id, changes=changes, reason="x",
                             issuer_agreed_by=issuer.id, team_agreed_by=leader.id)  # fmt: skip
    version = taskbook.adjust_plan(actor=staff, project_id=p.id, changes=changes,
                                   reason="设备到货延迟", issuer_agreed_by=issuer.id,
                                   team_agreed_by=leader.id)  # fmt: skip
    assert version.version == 2 and version.agreed_by == [issuer.id, leader.id]
    db.refresh_read_session()
    adjusted = db.session().get(Project, p.id)
    assert adjusted.plan_adjusted and adjusted.end_on == later
    assert milestones_of(db.session(), p.id)[1].deliverable == "完成中试并扩产"
    with pytest.raises(Conflict, match="只能调整一次"):
        taskbook.adjust_plan(actor=staff, project_id=p.id, changes=changes, reason="再调",
                             issuer_agreed_by=issuer.id, team_agreed_by=leader.id)  # fmt: skip
    events = db.session().exec(select(AuditEvent.action).where(AuditEvent.object_type == "project"))
    assert ProjectAction.ADJUST_PLAN in set(events)


def test_the_fixture_confirm_helper_leaves_an_active_project(active_project):
    again = confirm_by_all  # the helper is shared with P2's and P3's tests
    assert callable(again) and active_project["project"].status is ProjectStatus.ACTIVE
