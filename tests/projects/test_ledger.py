"""The ledger's rules: commitments, receipts, releases once, refusals that store nothing,
reversals, termination and recovery, and the database refusing to change what was written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from marketplace.notifications import Notification, NotificationKind
from marketplace.projects import ledger
from marketplace.projects.actions import ProjectAction
from marketplace.projects.ledger_models import (
    Entry,
    Movement,
    MovementKind,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from marketplace.projects.models import FundingSource, ProjectKind, ProjectStatus

from .ledger_world import WAN, LedgerWorld

SUB, ENT = FundingSource.SUBSIDY, FundingSource.ENTERPRISE


@pytest.fixture
def world(app, factory) -> LedgerWorld:
    return LedgerWorld(factory)


def _count(model) -> int:
    db.refresh_read_session()
    return len(db.session().exec(select(model)).all())


def _receive(world, project, amount, voucher="V-1"):
    return ledger.record_receipt(
        actor=world.staff,
        project_id=project.id,
        amount_fen=amount,
        received_on=date.today(),
        voucher=voucher,
    )


def _release(world, tranche, key="k"):
    return ledger.release_tranche(actor=world.staff, tranche_id=tranche.id, idempotency_key=key)


def test_commitments_make_the_tranches_and_balance(world):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN, percent=30)
    tranches = world.tranches(project.id)
    assert [t.kind for t in tranches] == [
        TrancheKind.SIGNING,
        TrancheKind.MILESTONE,
        TrancheKind.FINAL,
    ]
    assert (tranches[0].subsidy_fen, tranches[0].enterprise_fen) == (21 * WAN, 9 * WAN)
    assert sum(t.subsidy_fen for t in tranches) == 70 * WAN
    assert sum(t.enterprise_fen for t in tranches) == 30 * WAN
    b = ledger.balances(db.session(), project.id)
    assert (b[SUB].committed, b[SUB].remaining, b[SUB].released) == (70 * WAN, 70 * WAN, 0)
    assert (b[ENT].committed, b[ENT].received) == (30 * WAN, 0)
    (movement,) = world.movements(project.id)
    assert movement.kind is MovementKind.COMMITMENT
    entries = db.session().exec(select(Entry).where(Entry.movement_id == movement.id)).all()
    assert sum(e.amount_fen for e in entries) == 0


def test_a_race_project_gets_its_startup_tranche_and_the_winner_the_remainder(world):
    project = world.project(subsidy=20 * WAN, enterprise=0, kind=ProjectKind.RACE)
    (startup,) = world.tranches(project.id)
    assert startup.kind is TrancheKind.RACE_STARTUP and startup.subsidy_fen == 20 * WAN
    _release(world, startup)

    @db.transactional
    def win(s):
        p = s.get(type(project), project.id)
        return ledger.add_commitment(
            s,
            p,
            actor=world.staff,
            subsidy_fen=80 * WAN,
            enterprise_fen=0,
            kind=TrancheKind.RACE_REMAINDER,
        )

    remainder = win()
    b = ledger.balances(db.session(), project.id)[SUB]
    assert (b.committed, b.released, b.remaining) == (100 * WAN, 20 * WAN, 80 * WAN)
    _release(world, remainder, key="win")
    assert ledger.balances(db.session(), project.id)[SUB].released == 100 * WAN


def test_release_pays_once_and_a_repeated_key_returns_the_first_movement(world):
    project = world.project(enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    first = _release(world, signing, key="click-1")
    again = _release(world, signing, key="click-1")
    assert again.id == first.id
    with pytest.raises(InvalidTransition, match="已经拨付"):
        _release(world, signing, key="another-tab")
    releases = [m for m in world.movements(project.id) if m.kind is MovementKind.RELEASE]
    assert len(releases) == 1
    (t,) = [t for t in world.tranches(project.id) if t.id == signing.id]
    assert t.status is TrancheStatus.RELEASED and t.released_by_id == world.staff.id
    assert ledger.balances(db.session(), project.id)[SUB].released == signing.subsidy_fen
    s = db.session()
    assert s.exec(
        select(AuditEvent).where(AuditEvent.action == ProjectAction.RELEASE_TRANCHE)
    ).one()
    note = s.exec(select(Notification).where(Notification.user_id == world.leader.id)).one()
    assert project.number in note.title
    # A payment is its own kind: the leader can choose to get it by e-mail or not.
    assert note.kind is NotificationKind.PROJECT_PAYMENT


def test_a_key_used_for_another_tranche_is_refused(world):
    project = world.project(enterprise=0)
    signing, milestone, _final = world.tranches(project.id)
    world.accept(milestone.milestone_id)
    _release(world, signing, key="same")
    with pytest.raises(Conflict):
        _release(world, milestone, key="same")
    assert world.tranches(project.id)[1].status is TrancheStatus.PENDING


def test_a_milestone_not_accepted_is_not_paid_and_nothing_is_stored(world):
    project = world.project(enterprise=0)
    milestone_tranche = world.tranche_of(project.id, TrancheKind.MILESTONE)
    before = _count(Movement), _count(AuditEvent)
    with pytest.raises(InvalidTransition, match="里程碑 1 尚未通过审核"):
        _release(world, milestone_tranche)
    assert (_count(Movement), _count(AuditEvent)) == before
    assert world.tranches(project.id)[1].status is TrancheStatus.PENDING
    world.accept(milestone_tranche.milestone_id)
    assert _release(world, milestone_tranche).kind is MovementKind.RELEASE


def test_enterprise_funds_must_have_arrived(world):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)  # 9 万元 of enterprise funds
    _receive(world, project, 4 * WAN)
    with pytest.raises(ValidationFailed, match=r"企业资金尚未到账：还需到账 5\.00 万元"):
        _release(world, signing)
    assert [m.kind for m in world.movements(project.id)] == [
        MovementKind.COMMITMENT,
        MovementKind.RECEIPT,
    ]
    _receive(world, project, 5 * WAN, voucher="V-2")
    _release(world, signing)
    b = ledger.balances(db.session(), project.id)[ENT]
    assert (b.received, b.released, b.unreleased_received, b.remaining) == (
        9 * WAN,
        9 * WAN,
        0,
        21 * WAN,
    )


def test_receipts_are_checked(world):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    with pytest.raises(ValidationFailed, match=r"尚可到账 30\.00 万元") as exc:
        _receive(world, project, 31 * WAN)
    assert "amount" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        _receive(world, project, 1 * WAN, voucher="  ")
    assert "voucher" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ledger.record_receipt(
            actor=world.staff,
            project_id=project.id,
            amount_fen=WAN,
            received_on=date.today() + timedelta(days=2),
            voucher="V",
        )
    assert "received_on" in exc.value.field_errors
    with pytest.raises(ValidationFailed):
        _receive(world, project, 0)
    assert _count(Movement) == 1


@pytest.mark.parametrize(
    "status", [ProjectStatus.SUSPENDED, ProjectStatus.TERMINATED, ProjectStatus.NOT_PASSED]
)
def test_no_release_while_suspended_or_closed(world, status):
    project = world.project(enterprise=0)
    world.set_status(project.id, status)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    with pytest.raises(
        InvalidTransition, match="暂停拨付" if status is ProjectStatus.SUSPENDED else "项目已结束"
    ):
        _release(world, signing)
    assert world.tranches(project.id)[0].status is TrancheStatus.PENDING


def test_the_final_tranche_waits_for_acceptance(world):
    project = world.project(enterprise=0)
    final = world.tranche_of(project.id, TrancheKind.FINAL)
    world.accept(final.milestone_id)
    with pytest.raises(InvalidTransition, match="尚未通过验收"):
        _release(world, final)
    world.set_status(project.id, ProjectStatus.COMPLETED)
    assert _release(world, final).tranche_id == final.id
    # What an accepted milestone earned before 验收 is still paid after it.
    milestone = world.tranche_of(project.id, TrancheKind.MILESTONE)
    world.accept(milestone.milestone_id)
    assert _release(world, milestone, key="late").tranche_id == milestone.id


def test_only_staff_release(world):
    project = world.project(enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    with pytest.raises(PermissionDenied):
        ledger.release_tranche(actor=world.leader, tranche_id=signing.id, idempotency_key="x")
    assert world.tranches(project.id)[0].status is TrancheStatus.PENDING


def test_never_more_than_committed(world):
    """A tranche larger than what is left committed (rows edited behind the ledger's back)."""
    project = world.project(enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)

    @db.transactional
    def inflate(s):
        s.get(Tranche, signing.id).subsidy_fen = 71 * WAN

    inflate()
    with pytest.raises(
        ValidationFailed, match=r"拨付金额超过尚未拨付的承诺金额：财政资金尚余 70\.00"
    ):
        _release(world, signing)
    assert ledger.balances(db.session(), project.id)[SUB].released == 0


def test_reversals_need_a_reason_and_happen_once(world):
    project = world.project(enterprise=30 * WAN)
    receipt = _receive(world, project, 10 * WAN)
    for reason in ("", "   ", None):
        with pytest.raises(ValidationFailed, match="请填写冲正原因") as exc:
            ledger.reverse_movement(
                actor=world.staff, project_id=project.id, movement_id=receipt.id, reason=reason
            )
        assert "reason" in exc.value.field_errors
    reversal = ledger.reverse_movement(
        actor=world.staff, project_id=project.id, movement_id=receipt.id, reason="凭证号录错"
    )
    assert reversal.reverses_id == receipt.id and reversal.reason == "凭证号录错"
    assert ledger.balances(db.session(), project.id)[ENT].received == 0
    with pytest.raises(Conflict, match="已经冲正过"):
        ledger.reverse_movement(
            actor=world.staff, project_id=project.id, movement_id=receipt.id, reason="再来一次"
        )
    commitment = world.movements(project.id)[0]
    with pytest.raises(ValidationFailed, match="不能冲正"):
        ledger.reverse_movement(
            actor=world.staff, project_id=project.id, movement_id=commitment.id, reason="想撤销"
        )
    assert len(world.movements(project.id)) == 3


def test_a_receipt_already_paid_out_cannot_be_reversed(world):
    project = world.project(subsidy=0, enterprise=30 * WAN)
    receipt = _receive(world, project, 9 * WAN)
    _release(world, world.tranche_of(project.id, TrancheKind.SIGNING))
    with pytest.raises(ValidationFailed, match="已经拨付或使用"):
        ledger.reverse_movement(
            actor=world.staff, project_id=project.id, movement_id=receipt.id, reason="录错"
        )
    assert ledger.balances(db.session(), project.id)[ENT].received == 9 * WAN


def test_termination_cancels_what_is_left_and_recovers_what_was_paid(world):
    project = world.project(subsidy=70 * WAN, enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    _release(world, signing)
    world.terminate(project.id, at_fault=True)
    assert {t.status for t in world.tranches(project.id)[1:]} == {TrancheStatus.CANCELLED}
    b = ledger.balances(db.session(), project.id)[SUB]
    assert (b.committed, b.released, b.remaining, b.due_back) == (21 * WAN, 21 * WAN, 0, 21 * WAN)
    with pytest.raises(ValidationFailed, match=r"应追回的余额（21\.00 万元）"):
        ledger.record_repayment(
            actor=world.staff,
            project_id=project.id,
            source=SUB,
            amount_fen=22 * WAN,
            repaid_on=date.today(),
            voucher="R",
        )
    ledger.record_repayment(
        actor=world.staff,
        project_id=project.id,
        source=SUB,
        amount_fen=20 * WAN,
        repaid_on=date.today(),
        voucher="R-1",
    )
    b = ledger.balances(db.session(), project.id)[SUB]
    assert (b.due_back, b.recovered, b.released) == (1 * WAN, 20 * WAN, 21 * WAN)
    kinds = [m.kind for m in world.movements(project.id)]
    assert kinds.count(MovementKind.CANCELLATION) == 2  # one per pending tranche
    assert MovementKind.RECOVERY_DUE in kinds


def test_a_race_lost_without_fault_records_nothing_due_back(world):
    project = world.project(subsidy=20 * WAN, enterprise=0, kind=ProjectKind.RACE)
    _release(world, world.tranches(project.id)[0])
    world.terminate(project.id, at_fault=False)
    b = ledger.balances(db.session(), project.id)[SUB]
    assert (b.released, b.due_back, b.remaining) == (20 * WAN, 0, 0)


def test_totals_sum_the_projects(world):
    a = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    b = world.project(subsidy=10 * WAN, enterprise=0)
    _release(world, world.tranche_of(b.id, TrancheKind.SIGNING))
    s = db.session()
    total = ledger.totals(s)
    assert total[SUB].committed == 80 * WAN and total[SUB].released == 3 * WAN
    assert total[SUB] == ledger.balances(s, a.id)[SUB] + ledger.balances(s, b.id)[SUB]
    assert ledger.totals(s, [a.id])[ENT].committed == 30 * WAN


@pytest.mark.parametrize("table", ["ledger_movement", "ledger_entry"])
def test_the_database_refuses_to_change_or_delete_ledger_rows(world, table):
    project = world.project(enterprise=0)
    _release(world, world.tranche_of(project.id, TrancheKind.SIGNING))
    column = "reason" if table == "ledger_movement" else "amount_fen"
    value = "'改过'" if table == "ledger_movement" else "1"
    statements = (f"UPDATE {table} SET {column} = {value}", f"DELETE FROM {table}")  # noqa: S608
    for sql in statements:
        with db.engine().connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))
    assert _count(Movement) == 2


def test_the_database_refuses_a_second_release_of_a_tranche(world):
    project = world.project(enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    first = _release(world, signing)
    with db.engine().connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text(
                "INSERT INTO ledger_movement (project_id, kind, tranche_id, occurred_on, voucher,"
                " reason, created_at) VALUES (:p, :k, :t, :d, '', '', :d)"
            ),
            {"p": project.id, "k": first.kind.value, "t": signing.id, "d": date.today()},
        )
    assert _count(Movement) == 2
