"""The 任务书 (task book): staff edit it before confirmation, the three parties confirm it.

Every edit bumps ``task_book_version`` and so voids earlier confirmations (they name the
version they confirmed and the SHA-256 of its content). The last party to confirm the current
version starts the project: dates set, due dates recomputed, the plan's first version stored
and the ledger's commitments recorded. After that the plan may be adjusted once, with both
parties' agreement recorded in a new :class:`PlanVersion`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.access import is_member
from ..accounts.models import Role, User
from ..challenges.access import is_staff
from ..challenges.models import Challenge
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..parsing import parse_int
from ..states import ensure_transition, require_state
from ..units import wan_to_fen
from . import ledger
from .actions import ProjectAction
from .milestone_models import Milestone, MilestoneStatus, PlanVersion
from .models import (
    BudgetCategory,
    BudgetLine,
    FundingMode,
    FundingSource,
    Party,
    Project,
    ProjectIndicator,
    ProjectKind,
    ProjectStatus,
    TaskBookConfirmation,
)
from .plan import (
    add_months,
    apply_due_dates,
    apply_milestone_amounts,
    local_today,
    milestones_of,
    number_in,
)


def _project(s: Session, project_id: int, *, lock: bool = False) -> Project:
    query = select(Project).where(Project.id == project_id)
    project = s.exec(query.with_for_update() if lock else query).first()
    if project is None:
        raise NotFound(_("项目不存在。"))
    return project


def indicators_of(s: Session, project_id: int) -> list[ProjectIndicator]:
    return list(
        s.exec(
            select(ProjectIndicator)
            .where(ProjectIndicator.project_id == project_id)
            .order_by(ProjectIndicator.position)
        )
    )


def budget_of(s: Session, project_id: int) -> list[BudgetLine]:
    return list(s.exec(select(BudgetLine).where(BudgetLine.project_id == project_id)))


def confirmations_of(s: Session, project: Project) -> dict[Party, TaskBookConfirmation]:
    """The parties' confirmations of the current version."""
    rows = s.exec(
        select(TaskBookConfirmation).where(
            TaskBookConfirmation.project_id == project.id,
            TaskBookConfirmation.version == project.task_book_version,
        )
    )
    return {row.party: row for row in rows}


def party_of(s: Session, user: Any, project: Project) -> Party | None:
    """Which party of the 任务书 ``user`` confirms for (None: not a party)."""
    if is_staff(user):
        return Party.BUREAU
    if getattr(user, "id", None) is None:
        return None
    if user.id == project.leader_id and user.role is Role.RESEARCHER:
        return Party.TEAM
    challenge = s.get(Challenge, project.challenge_id)
    if user.role is Role.ENTERPRISE and is_member(user, challenge.organisation_id):
        return Party.ISSUER
    return None


def task_book_content(s: Session, project: Project) -> dict:
    """What the parties confirm: every term of the current version, canonically ordered."""
    return {
        "number": project.number,
        "version": project.task_book_version,
        "title": project.title,
        "kind": project.kind.value,
        "bid_id": project.bid_id,
        "organisation_id": project.organisation_id,
        "leader_id": project.leader_id,
        "start_on": project.start_on.isoformat() if project.start_on else None,
        "subsidy_fen": project.subsidy_fen,
        "enterprise_fen": project.enterprise_fen,
        "first_tranche_percent": project.first_tranche_percent,
        "funding_mode": project.funding_mode.value,
        "leader_pledge": project.leader_pledge,
        "budget": sorted(
            [line.category.value, line.source.value, line.amount_fen]
            for line in budget_of(s, project.id)
        ),
        "indicators": [
            [row.position, row.name, row.target, row.unit] for row in indicators_of(s, project.id)
        ],
        "milestones": [
            [m.position, m.deliverable, m.month, m.percent, m.subsidy_fen, m.enterprise_fen]
            for m in milestones_of(s, project.id)
        ],
    }


def content_sha256(content: Mapping) -> str:
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def weaker(row: ProjectIndicator, value: float) -> bool:
    floor = row.bid_value
    if floor is None:
        return False
    return value < floor if row.higher_is_better else value > floor


def _parse(s: Session, project: Project, raw: Mapping[str, Any]) -> dict:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    start_on = None
    text = str(raw.get("start_on") or "").strip()
    if text:
        try:
            start_on = date.fromisoformat(text)
        except ValueError:
            err("start_on", _("开始日期格式应为 YYYY-MM-DD。"))
    limit = int(current_app.config["PROJECT_FIRST_TRANCHE_MAX_PERCENT"])
    percent = parse_int(raw.get("first_tranche_percent"), minimum=0, maximum=100)
    if percent is None:
        err("first_tranche_percent", _("首笔拨付比例须为 0 到 100 之间的整数。"))
    elif percent > limit:
        err("first_tranche_percent", _("首笔拨付比例不能超过 %(n)d%%。", n=limit))
    try:
        mode = FundingMode(str(raw.get("funding_mode") or ""))
    except ValueError:
        mode = None
        err("funding_mode", _("请选择经费管理方式。"))
    pledge = str(raw.get("leader_pledge") or "").strip()[:4000]
    if mode is FundingMode.LUMP_SUM and not pledge:
        err("leader_pledge", _("包干制须填写挂帅人的承诺。"))
    targets: dict[int, tuple[str, float | None]] = {}
    for row in indicators_of(s, project.id):
        target = str(raw.get(f"target_{row.id}") or "").strip()[:200]
        if not target:
            err("targets", _("指标“%(name)s”缺少考核目标。", name=row.name))
            continue
        value = number_in(target)
        if row.bid_value is not None and value is None:
            err("targets", _("指标“%(name)s”的考核目标须写明数值。", name=row.name))
        elif value is not None and weaker(row, value):
            err(
                "targets",
                _(
                    "指标“%(name)s”的考核目标 %(target)s 低于揭榜承诺的 %(bid)s，不得降低指标。",
                    name=row.name,
                    target=target,
                    bid=f"{row.bid_value:g}",
                ),
            )
        targets[row.id] = (target, value)
    budget: dict[tuple[BudgetCategory, FundingSource], int] = {}
    if mode is FundingMode.ITEMISED:
        for source, total in (
            (FundingSource.SUBSIDY, project.subsidy_fen),
            (FundingSource.ENTERPRISE, project.enterprise_fen),
        ):
            summed = 0
            for category in BudgetCategory:
                text = str(raw.get(f"budget_{category.value}_{source.value}") or "").strip()
                if not text:
                    continue
                try:
                    amount = wan_to_fen(text)
                except ValueError:
                    err("budget", _("预算金额应为万元数，如 12.5。"))
                    continue
                if amount < 0:
                    err("budget", _("预算金额不能为负数。"))
                    continue
                budget[(category, source)] = amount
                summed += amount
            if summed != total:
                err(
                    "budget",
                    _(
                        "%(source)s各科目预算合计应为 %(total)s 万元，目前为 %(sum)s 万元。",
                        source=source.label,
                        total=_wan(total),
                        sum=_wan(summed),
                    ),
                )
    if errors:
        raise ValidationFailed(_("任务书未保存，请修改标出的内容。"), field_errors=errors)
    return {
        "start_on": start_on,
        "first_tranche_percent": percent,
        "funding_mode": mode,
        "leader_pledge": pledge,
        "targets": targets,
        "budget": budget,
    }


def _wan(fen: int) -> str:
    from ..units import fen_to_wan_text

    return fen_to_wan_text(fen)


@db.transactional
def save_task_book(
    s: Session, *, actor: User, project_id: int, raw: Mapping[str, Any], expected_version: int
) -> Project:
    """Staff edit the 任务书 before it is confirmed: a new version, earlier confirmations void."""
    if not is_staff(actor):
        raise PermissionDenied()
    project = _project(s, project_id, lock=True)
    require_state(project, ProjectStatus.TASK_BOOK)
    if expected_version != project.task_book_version:
        raise Conflict(_("任务书已被他人修改，请刷新后重试。"))
    data = _parse(s, project, raw)
    before = task_book_content(s, project)
    project.start_on = data["start_on"]
    project.first_tranche_percent = data["first_tranche_percent"]
    project.funding_mode = data["funding_mode"]
    project.leader_pledge = data["leader_pledge"]
    for row in indicators_of(s, project.id):
        if row.id in data["targets"]:
            row.target, row.target_value = data["targets"][row.id]
    for line in budget_of(s, project.id):
        s.delete(line)
    s.flush()
    for (category, source), amount in data["budget"].items():
        s.add(
            BudgetLine(project_id=project.id, category=category, source=source, amount_fen=amount)
        )
    if project.kind is ProjectKind.RACE:
        project.first_tranche_percent = 0
    apply_milestone_amounts(s, project)
    if project.start_on:
        apply_due_dates(s, project, project.start_on)
    project.task_book_version += 1
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.EDIT_TASK_BOOK,
        obj=project,
        before={"version": before["version"]},
        after={"version": project.task_book_version, "sha256": content_sha256(before)},
    )
    return project


@db.transactional
def confirm_task_book(s: Session, *, actor: User, project_id: int, version: int) -> Project:
    """One party confirms the version it read; the last of the three starts the project."""
    project = _project(s, project_id, lock=True)
    party = party_of(s, actor, project)
    if party is None:
        raise PermissionDenied()
    require_state(project, ProjectStatus.TASK_BOOK)
    if version != project.task_book_version:
        raise Conflict(
            _("任务书已更新为第 %(v)d 版，请阅读新版本后再确认。", v=project.task_book_version)
        )
    confirmed = confirmations_of(s, project)
    if party in confirmed:
        raise Conflict(_("您已确认本版任务书。"))
    lump_sum = project.funding_mode is FundingMode.LUMP_SUM
    if party is Party.TEAM and lump_sum and not project.leader_pledge.strip():
        raise ValidationFailed(_("包干制任务书须先由科技局填写挂帅人承诺。"))
    content = task_book_content(s, project)
    row = TaskBookConfirmation(
        project_id=project.id,
        party=party,
        version=project.task_book_version,
        sha256=content_sha256(content),
        user_id=actor.id,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.CONFIRM_TASK_BOOK,
        obj=project,
        after={"party": party.value, "version": row.version, "sha256": row.sha256},
    )
    if len(confirmed) + 1 < len(Party):
        return project
    start_on = project.start_on or local_today()
    project.start_on = start_on
    apply_due_dates(s, project, start_on)
    milestones = milestones_of(s, project.id)
    challenge = s.get(Challenge, project.challenge_id)
    last_month = max([m.month for m in milestones] + [challenge.period_months or 0])
    project.end_on = add_months(start_on, last_month)
    project.task_book_confirmed_at = db.utcnow()
    before = ensure_transition(project, ProjectStatus.ACTIVE, actor=actor)
    s.add(
        PlanVersion(
            project_id=project.id,
            version=1,
            reason=_("任务书确认"),
            milestones=plan_rows(milestones),
            end_on=project.end_on,
            created_by_id=actor.id,
        )
    )
    s.flush()
    ledger.record_commitments(s, project, actor=actor)
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.START,
        obj=project,
        before={"status": before.value},
        after={
            "status": project.status.value,
            "start_on": start_on.isoformat(),
            "end_on": project.end_on.isoformat(),
        },
    )
    notify(
        s,
        user_ids=_party_user_ids(s, project),
        title=_("项目 %(no)s 任务书已签订，项目开始执行", no=project.number),
        body=_("三方均已确认任务书，项目自 %(day)s 起执行。", day=start_on.isoformat()),
        link=f"/projects/{project.id}",
        kind=NotificationKind.PROJECT_TASK_BOOK,
    )
    return project


def _party_user_ids(s: Session, project: Project) -> list[int]:
    challenge = s.get(Challenge, project.challenge_id)
    ids = set(
        s.exec(
            select(User.id).where(
                User.organisation_id == challenge.organisation_id, User.role == Role.ENTERPRISE
            )
        )
    )
    if project.leader_id:
        ids.add(project.leader_id)
    return sorted(ids)


def plan_rows(milestones: list[Milestone]) -> list[dict]:
    return [
        {
            "position": m.position,
            "deliverable": m.deliverable,
            "month": m.month,
            "due_on": m.due_on.isoformat(),
            "percent": m.percent,
            "subsidy_fen": m.subsidy_fen,
            "enterprise_fen": m.enterprise_fen,
        }
        for m in milestones
    ]


def plan_versions(s: Session, project_id: int) -> list[PlanVersion]:
    return list(
        s.exec(
            select(PlanVersion)
            .where(PlanVersion.project_id == project_id)
            .order_by(PlanVersion.version)
        )
    )


@db.transactional
def adjust_plan(
    s: Session,
    *,
    actor: User,
    project_id: int,
    changes: Mapping[int, tuple[str, date]],
    reason: str,
    issuer_agreed_by: int | None,
    team_agreed_by: int | None,
) -> PlanVersion:
    """Staff adjust the plan once (deliverables and due dates of open milestones), recording
    the issuer's and the team's agreement (the user who agreed for each); a new plan version."""
    if not is_staff(actor):
        raise PermissionDenied()
    project = _project(s, project_id, lock=True)
    require_state(project, ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED)
    if project.plan_adjusted:
        raise Conflict(_("里程碑计划只能调整一次，本项目已调整过。"))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("请填写调整的理由。"))
    issuer = s.get(User, issuer_agreed_by) if issuer_agreed_by else None
    team = s.get(User, team_agreed_by) if team_agreed_by else None
    if issuer is None or party_of(s, issuer, project) is not Party.ISSUER:
        errors.setdefault("issuer_agreed_by", []).append(_("请选择同意调整的发榜方人员。"))
    if team is None or party_of(s, team, project) is not Party.TEAM:
        errors.setdefault("team_agreed_by", []).append(_("须经挂帅人同意才能调整计划。"))
    milestones = {m.id: m for m in milestones_of(s, project.id)}
    for milestone_id, (deliverable, due_on) in changes.items():
        m = milestones.get(milestone_id)
        if m is None:
            errors.setdefault("milestones", []).append(_("里程碑不存在。"))
        elif m.status is not MilestoneStatus.PLANNED and (
            deliverable != m.deliverable or due_on != m.due_on
        ):
            errors.setdefault("milestones", []).append(
                _("第 %(n)d 个里程碑已报告或已通过，不能调整。", n=m.position)
            )
        elif not deliverable.strip():
            errors.setdefault("milestones", []).append(
                _("第 %(n)d 个里程碑缺少交付成果。", n=m.position)
            )
    if errors:
        raise ValidationFailed(_("计划未调整，请修改标出的内容。"), field_errors=errors)
    before = plan_rows(list(milestones.values()))
    for milestone_id, (deliverable, due_on) in changes.items():
        m = milestones[milestone_id]
        m.deliverable, m.due_on = deliverable.strip()[:2000], due_on
    ordered = sorted(milestones.values(), key=lambda m: m.position)
    project.end_on = max([project.end_on, *[m.due_on for m in ordered]])
    project.plan_adjusted = True
    latest = max([v.version for v in plan_versions(s, project.id)], default=0)
    version = PlanVersion(
        project_id=project.id,
        version=latest + 1,
        reason=reason[:2000],
        milestones=plan_rows(ordered),
        end_on=project.end_on,
        agreed_by=[issuer.id, team.id],
        created_by_id=actor.id,
    )
    s.add(version)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.ADJUST_PLAN,
        obj=project,
        before={"milestones": before},
        after={"milestones": version.milestones, "agreed_by": version.agreed_by, "reason": reason},
    )
    return version
