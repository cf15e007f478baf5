"""验收 (final acceptance) and 决算 (the final account of a lump-sum project).

When every milestone but the last is accepted and the last one signed off, staff start
acceptance, judge each indicator met / not met with its measured value and give a verdict:
通过 (COMPLETED: the FINAL tranche may be released), 整改 (one rectification within
``ACCEPTANCE_RECTIFY_MONTHS``, then 整改后通过 or 不通过) or 不通过 (with its grounds: the FINAL
tranche is cancelled). A lump-sum project files its 决算 first; the surplus (released − spent)
stays with the team only on a pass.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit, db
from ..accounts.models import User
from ..errors import PermissionDenied, ValidationFailed
from ..states import ensure_transition, require_state
from . import milestone_queries as q
from .actions import ProjectAction
from .milestone_models import (
    Acceptance,
    FinalAccount,
    Milestone,
    MilestoneStatus,
    NotPassedGround,
    Verdict,
)
from .milestones import add_months, clean_text, is_team, ledger_api, project_for, tell
from .models import FundingMode, Project, ProjectStatus

PASSES = (Verdict.PASSED, Verdict.PASSED_AFTER_RECTIFICATION)


def acceptance_blocker(s: Session, project: Project) -> str | None:
    """Why acceptance cannot start yet (None when it can)."""
    if project.status is not ProjectStatus.ACTIVE:
        return _("项目当前状态为“%(status)s”，不能启动验收。", status=project.status.label)
    milestones = q.milestones_of(s, project.id)
    for m in milestones:
        if not m.final and m.status is not MilestoneStatus.ACCEPTED:
            return _("第 %(n)d 个里程碑尚未审核通过，不能启动验收。", n=m.position)
        if m.final and m.status is not MilestoneStatus.SIGNED_OFF:
            return _("最后一个里程碑须经企业确认后方可启动验收。")
    if not any(m.final for m in milestones):
        return _("项目没有最后一个里程碑，不能启动验收。")
    return None


@db.transactional
def start_acceptance(s: Session, *, actor: User, project_id: int) -> Project:
    """Staff open 验收 once the plan is done."""
    if not actor.is_staff:
        raise PermissionDenied()
    project = project_for(s, actor, project_id)
    if blocker := acceptance_blocker(s, project):
        raise ValidationFailed(blocker)
    before = ensure_transition(project, ProjectStatus.ACCEPTANCE, actor=actor)
    s.add(project)
    _announce(
        s, actor=actor, project=project, action=ProjectAction.START_ACCEPTANCE, before=before,
        title=_("项目进入验收"),
    )  # fmt: skip
    return project


def _announce(
    s: Session, *, actor: User, project: Project, action: ProjectAction, before: ProjectStatus,
    title: str, body: str = "", after: dict | None = None,
) -> None:  # fmt: skip
    """The ending of every 验收 step: the project's status change in the audit trail, and the
    team and the issuer told."""
    audit.record(
        s,
        actor=actor,
        action=action,
        obj=project,
        before={"status": before.value},
        after={"status": project.status.value, **(after or {})},
    )
    people = [*q.team_user_ids(s, project), *q.issuer_user_ids(s, project)]
    tell(s, people, project, title, body)


def released_fen(s: Session, project_id: int) -> int:
    """What has been paid to the team so far, over both sources."""
    return sum(b.released for b in ledger_api().balances(s, project_id).values())


@db.transactional
def file_final_account(
    s: Session, *, actor: User, project_id: int, spent_fen: int | None, statement: str
) -> FinalAccount:
    """The team of a lump-sum project files (or corrects, before the verdict) its 决算."""
    project = project_for(s, actor, project_id)
    if not is_team(s, actor, project):
        raise PermissionDenied()
    if project.funding_mode is not FundingMode.LUMP_SUM:
        raise ValidationFailed(_("只有包干制项目需要提交决算。"))
    require_state(project, ProjectStatus.ACCEPTANCE, ProjectStatus.RECTIFYING)
    errors: dict[str, list[str]] = {}
    if spent_fen is None or spent_fen < 0:
        errors["spent"] = [_("请填写实际支出（万元，不能为负）。")]
    if not clean_text(statement):
        errors["statement"] = [_("请填写决算说明。")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    released = released_fen(s, project.id)
    account = q.final_account_of(s, project.id) or FinalAccount(
        project_id=project.id, spent_fen=0, surplus_fen=0, statement="", filed_by_id=actor.id
    )
    account.spent_fen = spent_fen
    account.surplus_fen = max(released - spent_fen, 0)
    account.statement = clean_text(statement)
    account.filed_by_id, account.filed_at = actor.id, db.utcnow()
    s.add(account)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.FILE_FINAL_ACCOUNT,
        obj=account,
        after={"spent_fen": account.spent_fen, "surplus_fen": account.surplus_fen},
    )
    tell(s, q.staff_user_ids(s), project, _("揭榜方已提交决算"))
    return account


def _results(s: Session, project: Project, results: dict) -> dict:
    """Every indicator judged met or not with its measured value; missing ones are named."""
    clean: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for indicator in q.indicators_of(s, project.id):
        key = str(indicator.id)
        given = results.get(key) or {}
        value = clean_text(given.get("value"), 200)
        met = given.get("met")
        if not value or met not in (True, False):
            errors[f"value_{key}"] = [
                _("请填写指标“%(name)s”的实测值并选择是否达到。", name=indicator.name)
            ]
        clean[key] = {"met": met is True, "value": value, "main": indicator.main}
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    return clean


def _judge(
    s: Session, *, actor: User, project: Project, verdict: Verdict, results: dict, reason: str,
    grounds: list[NotPassedGround], allowed: tuple[Verdict, ...],
) -> Acceptance:  # fmt: skip
    if verdict not in allowed:
        msg = _("请选择验收结论。")
        raise ValidationFailed(msg, field_errors={"verdict": [msg]})
    clean = _results(s, project, results)
    reason = clean_text(reason)
    unmet_main = [k for k, r in clean.items() if r["main"] and not r["met"]]
    if verdict in PASSES and unmet_main:
        msg = _("有主要指标未达到，不能判定通过。")
        raise ValidationFailed(msg, field_errors={"verdict": [msg]})
    if verdict is Verdict.NOT_PASSED and not grounds:
        msg = _("请选择不通过的理由。")
        raise ValidationFailed(msg, field_errors={"grounds": [msg]})
    if verdict is not Verdict.PASSED and not reason:
        msg = _("请写明验收意见。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    account = q.final_account_of(s, project.id)
    if project.funding_mode is FundingMode.LUMP_SUM and account is None:
        raise ValidationFailed(_("包干制项目须先由揭榜方提交决算，再作验收结论。"))
    target = {
        Verdict.PASSED: ProjectStatus.COMPLETED,
        Verdict.PASSED_AFTER_RECTIFICATION: ProjectStatus.COMPLETED,
        Verdict.RECTIFY: ProjectStatus.RECTIFYING,
        Verdict.NOT_PASSED: ProjectStatus.NOT_PASSED,
    }[verdict]
    before = ensure_transition(project, target, actor=actor)
    s.add(project)
    last = s.exec(
        select(func.max(Acceptance.round)).where(Acceptance.project_id == project.id)
    ).one()
    acceptance = Acceptance(
        project_id=project.id,
        round=(last or 0) + 1,
        verdict=verdict,
        results=clean,
        reason=reason,
        grounds=[g.value for g in grounds] if verdict is Verdict.NOT_PASSED else [],
        decided_by_id=actor.id,
    )
    if verdict is Verdict.RECTIFY:
        months = int(current_app.config["ACCEPTANCE_RECTIFY_MONTHS"])
        acceptance.rectify_until = add_months(q.today(), months)
    s.add(acceptance)
    if verdict is not Verdict.RECTIFY:
        _close(s, actor=actor, project=project, passed=verdict in PASSES, account=account)
    s.flush()
    body = reason
    if verdict is Verdict.RECTIFY:
        body = _("请在 %(day)s 前完成整改。", day=acceptance.rectify_until.isoformat()) + reason
    _announce(
        s, actor=actor, project=project, action=ProjectAction.JUDGE_ACCEPTANCE, before=before,
        title=_("验收结论：%(v)s", v=verdict.label), body=body, after={"verdict": verdict.value},
    )  # fmt: skip
    return acceptance


def _close(s: Session, *, actor: User, project: Project, passed: bool, account) -> None:
    """After the final verdict: the last milestone accepted (its FINAL tranche becomes
    releasable, P2's rule reads COMPLETED) or cancelled with the FINAL tranche; the 决算's
    surplus kept only on a pass."""
    final = s.exec(
        select(Milestone).where(Milestone.project_id == project.id, Milestone.final.is_(True))
    ).first()
    if final is not None and final.status is MilestoneStatus.SIGNED_OFF:
        ensure_transition(final, MilestoneStatus.ACCEPTED if passed else MilestoneStatus.CANCELLED)
        if passed:
            final.accepted_at = db.utcnow()
        s.add(final)
    if account is not None:
        account.surplus_kept = passed
        s.add(account)
    if not passed:
        from .ledger_models import Tranche, TrancheKind, TrancheStatus

        reason = _("验收不通过")
        for tranche in s.exec(
            select(Tranche).where(
                Tranche.project_id == project.id,
                Tranche.kind == TrancheKind.FINAL,
                Tranche.status == TrancheStatus.PENDING,
            )
        ).all():
            ledger_api().cancel_tranche(s, tranche, actor=actor, reason=reason)


# Which verdicts each round allows: the first verdict in ACCEPTANCE, the one after 整改.
ROUNDS = {
    ProjectStatus.ACCEPTANCE: (Verdict.PASSED, Verdict.RECTIFY, Verdict.NOT_PASSED),
    ProjectStatus.RECTIFYING: (Verdict.PASSED_AFTER_RECTIFICATION, Verdict.NOT_PASSED),
}


def verdicts_for(project: Project) -> list[Verdict]:
    """The verdicts the acceptance page offers: after 整改 its two, else the first round's."""
    return list(ROUNDS.get(project.status, ROUNDS[ProjectStatus.ACCEPTANCE]))


def _verdict_in(
    s: Session, state: ProjectStatus, *, actor: User, project_id: int, verdict: Verdict,
    results: dict, reason: str, grounds,
) -> Acceptance:  # fmt: skip
    """The verdict of one round: staff only, the project in that round's state."""
    if not actor.is_staff:
        raise PermissionDenied()
    project = project_for(s, actor, project_id)
    require_state(project, state)
    return _judge(
        s, actor=actor, project=project, verdict=verdict, results=results, reason=reason,
        grounds=list(grounds), allowed=ROUNDS[state],
    )  # fmt: skip


@db.transactional
def judge_acceptance(
    s: Session, *, actor: User, project_id: int, verdict: Verdict, results: dict,
    reason: str = "", grounds: list[NotPassedGround] = (),
) -> Acceptance:  # fmt: skip
    """Staff's 验收 verdict: 通过, 整改 or 不通过."""
    return _verdict_in(
        s, ProjectStatus.ACCEPTANCE, actor=actor, project_id=project_id, verdict=verdict,
        results=results, reason=reason, grounds=grounds,
    )  # fmt: skip


@db.transactional
def judge_rectification(
    s: Session, *, actor: User, project_id: int, verdict: Verdict, results: dict,
    reason: str = "", grounds: list[NotPassedGround] = (),
) -> Acceptance:  # fmt: skip
    """After the one rectification: 整改后通过 or 不通过."""
    return _verdict_in(
        s, ProjectStatus.RECTIFYING, actor=actor, project_id=project_id, verdict=verdict,
        results=results, reason=reason, grounds=grounds,
    )  # fmt: skip
