"""验收: started when the plan is done; per indicator met / not met with the value; 通过 makes
the FINAL tranche releasable, 整改 allows one rectification, 不通过 (with its grounds) cancels
the FINAL tranche; a lump-sum project's 决算 comes first and its surplus stays only on a pass."""

from __future__ import annotations

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.errors import InvalidTransition, PermissionDenied, ValidationFailed
from marketplace.projects import acceptance as acc
from marketplace.projects import ledger
from marketplace.projects import milestone_queries as q
from marketplace.projects.ledger_models import Tranche, TrancheKind, TrancheStatus
from marketplace.projects.milestone_models import (
    FinalAccount,
    MilestoneStatus,
    NotPassedGround,
    Verdict,
)
from marketplace.projects.models import FundingMode, ProjectStatus
from marketplace.units import fen_to_wan

from .milestones_world import accepted, milestones, project_now, receive_all, signed_off


@pytest.fixture
def world(active_project):
    with time_machine.travel(active_project["at"], tick=False):
        yield active_project


def _ready(world) -> None:
    """Every milestone but the last accepted, the last signed off: 验收 may start."""
    *before, last = milestones(world)
    for m in before:
        accepted(world, m)
    signed_off(world, last)


def _results(world, *, met: bool = True) -> dict:
    return {
        str(i.id): {"met": met, "value": "98%"}
        for i in q.indicators_of(db.session(), world["project"].id)
    }


def _final_tranche(world) -> Tranche:
    db.refresh_read_session()
    return (
        db.session()
        .exec(
            select(Tranche).where(
                Tranche.project_id == world["project"].id, Tranche.kind == TrancheKind.FINAL
            )
        )
        .one()
    )


def _file_account(world, spent_fen: int = 100) -> None:
    if project_now(world).funding_mode is FundingMode.LUMP_SUM:
        acc.file_final_account(
            actor=world["leader"], project_id=world["project"].id, spent_fen=spent_fen,
            statement="设备与测试费用",
        )  # fmt: skip


def test_acceptance_starts_only_when_the_plan_is_done(world):
    pid = world["project"].id
    with pytest.raises(ValidationFailed, match="第 1 个里程碑"):
        acc.start_acceptance(actor=world["staff"], project_id=pid)
    _ready(world)
    with pytest.raises(PermissionDenied):
        acc.start_acceptance(actor=world["issuer"], project_id=pid)
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    assert project_now(world).status is ProjectStatus.ACCEPTANCE


def test_a_pass_completes_the_project_and_makes_the_final_tranche_releasable(world, client, login):
    _ready(world)
    pid = world["project"].id
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    _file_account(world)
    login(client, world["staff"])
    form = {"verdict": Verdict.PASSED.value, "reason": "各项指标均达到"}
    for key, r in _results(world).items():
        form[f"value_{key}"], form[f"met_{key}"] = r["value"], "1"
    missing = dict(form)
    missing.pop(next(k for k in form if k.startswith("value_")))
    refused = client.post(f"/projects/{pid}/acceptance/judge", data=missing)
    assert refused.status_code == 422 and "实测值" in refused.get_data(as_text=True)
    assert client.post(f"/projects/{pid}/acceptance/judge", data=form).status_code == 302
    assert project_now(world).status is ProjectStatus.COMPLETED
    assert milestones(world)[-1].status is MilestoneStatus.ACCEPTED
    page = client.get(f"/projects/{pid}/acceptance").get_data(as_text=True)
    assert Verdict.PASSED.label in page and "98%" in page
    final = _final_tranche(world)
    assert final.status is TrancheStatus.PENDING
    receive_all(world)
    ledger.release_tranche(actor=world["staff"], tranche_id=final.id, idempotency_key="final-1")
    assert _final_tranche(world).status is TrancheStatus.RELEASED


def test_a_pass_with_a_main_indicator_not_met_is_refused(world):
    _ready(world)
    pid = world["project"].id
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    _file_account(world)
    with pytest.raises(ValidationFailed, match="主要指标"):
        acc.judge_acceptance(
            actor=world["staff"], project_id=pid, verdict=Verdict.PASSED,
            results=_results(world, met=False),
        )  # fmt: skip
    assert project_now(world).status is ProjectStatus.ACCEPTANCE


def test_rectification_once_then_a_pass_after_rectification(world):
    _ready(world)
    pid = world["project"].id
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    _file_account(world)
    first = acc.judge_acceptance(
        actor=world["staff"], project_id=pid, verdict=Verdict.RECTIFY,
        results=_results(world, met=False), reason="良品率未达标",
    )  # fmt: skip
    assert first.rectify_until == acc.add_months(q.today(), 3)
    assert project_now(world).status is ProjectStatus.RECTIFYING
    with pytest.raises(InvalidTransition):  # the first verdict is given once
        acc.judge_acceptance(
            actor=world["staff"], project_id=pid, verdict=Verdict.PASSED, results=_results(world)
        )
    with pytest.raises(ValidationFailed):  # 整改 again is not a verdict after rectification
        acc.judge_rectification(
            actor=world["staff"], project_id=pid, verdict=Verdict.RECTIFY,
            results=_results(world), reason="再整改",
        )  # fmt: skip
    second = acc.judge_rectification(
        actor=world["staff"], project_id=pid, verdict=Verdict.PASSED_AFTER_RECTIFICATION,
        results=_results(world), reason="整改后达标",
    )  # fmt: skip
    assert second.round == 2
    assert project_now(world).status is ProjectStatus.COMPLETED


def _release_all_but_final(world) -> int:
    """The enterprise's money arrives and every tranche before the FINAL one is paid out;
    returns what the team has been paid."""
    receive_all(world)
    db.refresh_read_session()
    pending = db.session().exec(
        select(Tranche).where(
            Tranche.project_id == world["project"].id,
            Tranche.kind != TrancheKind.FINAL,
            Tranche.status == TrancheStatus.PENDING,
        )
    )
    for tranche in pending.all():
        ledger.release_tranche(
            actor=world["staff"], tranche_id=tranche.id, idempotency_key=f"pay-{tranche.id}"
        )
    db.refresh_read_session()
    return acc.released_fen(db.session(), world["project"].id)


def test_not_passed_needs_its_grounds_and_cancels_the_final_tranche_and_the_surplus(
    world, client, login
):
    assert project_now(world).funding_mode is FundingMode.LUMP_SUM
    _ready(world)
    pid = world["project"].id
    released = _release_all_but_final(world)
    assert released > 0
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    spent = released // 4
    acc.file_final_account(
        actor=world["leader"], project_id=pid, spent_fen=spent, statement="设备与测试费用"
    )
    with pytest.raises(ValidationFailed, match="不通过的理由"):
        acc.judge_acceptance(
            actor=world["staff"], project_id=pid, verdict=Verdict.NOT_PASSED,
            results=_results(world, met=False), reason="未达标",
        )  # fmt: skip
    verdict = acc.judge_acceptance(
        actor=world["staff"], project_id=pid, verdict=Verdict.NOT_PASSED,
        results=_results(world, met=False), reason="未达标",
        grounds=[NotPassedGround.MAIN_INDICATORS, NotPassedGround.FALSE_DATA],
    )  # fmt: skip
    assert verdict.grounds == ["main_indicators", "false_data"]
    assert project_now(world).status is ProjectStatus.NOT_PASSED
    assert _final_tranche(world).status is TrancheStatus.CANCELLED
    account = db.session().exec(select(FinalAccount).where(FinalAccount.project_id == pid)).one()
    assert account.surplus_kept is False
    assert account.surplus_fen == released - spent > 0
    # Nothing more is paid: what was released before the verdict is all the team got.
    assert acc.released_fen(db.session(), pid) == released
    login(client, world["staff"])
    page = client.get(f"/projects/{pid}/acceptance").get_data(as_text=True)
    assert "验收未通过，结余不予留用" in page and "验收通过，结余留归揭榜方" not in page
    assert f"{fen_to_wan(account.surplus_fen)} 万元" in page


def test_a_lump_sum_project_files_its_final_account_before_the_verdict(world, client, login):
    # New projects are lump-sum (包干制) until staff choose budget lines.
    assert project_now(world).funding_mode is FundingMode.LUMP_SUM
    _ready(world)
    pid = world["project"].id
    acc.start_acceptance(actor=world["staff"], project_id=pid)
    with pytest.raises(ValidationFailed, match="决算"):
        acc.judge_acceptance(
            actor=world["staff"], project_id=pid, verdict=Verdict.PASSED, results=_results(world)
        )
    login(client, world["leader"])
    bad = client.post(f"/projects/{pid}/final-account", data={"spent": "很多", "statement": ""})
    assert bad.status_code == 422 and "实际支出" in bad.get_data(as_text=True)
    ok = client.post(
        f"/projects/{pid}/final-account", data={"spent": "10", "statement": "明细见附表"}
    )
    assert ok.status_code == 302
    account = db.session().exec(select(FinalAccount)).one()
    released = acc.released_fen(db.session(), pid)
    assert account.spent_fen == 10 * 1_000_000
    assert account.surplus_fen == max(released - account.spent_fen, 0)
    acc.judge_acceptance(
        actor=world["staff"], project_id=pid, verdict=Verdict.PASSED, results=_results(world)
    )
    db.refresh_read_session()
    assert db.session().exec(select(FinalAccount)).one().surplus_kept is True
