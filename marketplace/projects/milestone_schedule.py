"""The milestone plan over time: the one extension (a new plan version) and `tick`'s due-date
reminders, 14 and 3 days before and on the day (setting PROJECT_REMINDER_DAYS), once each."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, func, select

from .. import audit, db
from ..accounts.models import User
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind
from ..states import ensure_transition
from . import milestone_queries as q
from .actions import ProjectAction
from .milestone_models import (
    OPEN,
    Extension,
    ExtensionStatus,
    Milestone,
    MilestoneStatus,
    PlanVersion,
    ReminderSent,
)
from .milestones import (
    RUNNING,
    add_months,
    clean_text,
    is_team,
    project_for,
    require_running,
    require_staff,
    tell,
)
from .models import Project

# --- the one extension --------------------------------------------------------------------------


def max_extension_months() -> int:
    return int(current_app.config["PROJECT_EXTENSION_MAX_MONTHS"])


@db.transactional
def request_extension(
    s: Session, *, actor: User, project_id: int, months: int | None, reason: str
) -> Extension:
    """The team asks, once, to extend the project by up to PROJECT_EXTENSION_MAX_MONTHS."""
    project = project_for(s, actor, project_id)
    if not is_team(s, actor, project):
        raise PermissionDenied()
    require_running(project)
    if q.extensions_of(s, project.id):
        raise ValidationFailed(_("本项目已申请过延期：每个项目只能申请一次延期。"))
    errors: dict[str, list[str]] = {}
    limit = max_extension_months()
    if months is None or not 1 <= months <= limit:
        errors["months"] = [_("延期月数须为 1 至 %(n)d 之间的整数。", n=limit)]
    if not clean_text(reason):
        errors["reason"] = [_("请写明延期理由。")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    extension = Extension(
        project_id=project.id, months=months, reason=clean_text(reason), requested_by_id=actor.id
    )
    s.add(extension)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.REQUEST_EXTENSION,
        obj=extension,
        after={"project_id": project.id, "months": months},
    )
    tell(s, q.staff_user_ids(s), project, _("延期申请待审批"), extension.reason)
    return extension


def plan_snapshot(milestones: list[Milestone]) -> list[dict]:
    return [
        {
            "position": m.position,
            "deliverable": m.deliverable,
            "due_on": m.due_on.isoformat(),
            "percent": m.percent,
            "subsidy_fen": m.subsidy_fen,
            "enterprise_fen": m.enterprise_fen,
        }
        for m in milestones
    ]


@db.transactional
def decide_extension(
    s: Session, *, actor: User, extension_id: int, approve: bool, reason: str = ""
) -> Extension:
    """Staff approve (the open milestones' due dates and the end date move; a new plan
    version) or refuse (with a reason) a requested extension."""
    require_staff(actor)
    extension = s.exec(
        select(Extension).where(Extension.id == extension_id).with_for_update()
    ).first()
    if extension is None:
        raise NotFound()
    project = project_for(s, actor, extension.project_id)
    reason = clean_text(reason, 2000)
    if not approve and not reason:
        msg = _("请写明不予批准的理由。")
        raise ValidationFailed(msg, field_errors={"decision_reason": [msg]})
    target = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    ensure_transition(extension, target, actor=actor)
    extension.decided_by_id, extension.decided_at = actor.id, db.utcnow()
    extension.decision_reason = reason
    s.add(extension)
    if approve:
        require_running(project)
        milestones = q.milestones_of(s, project.id)
        for m in milestones:
            if m.status in OPEN:
                m.due_on = add_months(m.due_on, extension.months)
                s.add(m)
        project.end_on = add_months(project.end_on, extension.months)
        s.add(project)
        last = s.exec(
            select(func.max(PlanVersion.version)).where(PlanVersion.project_id == project.id)
        ).one()
        s.add(
            PlanVersion(
                project_id=project.id,
                version=(last or 0) + 1,
                reason=_("延期 %(n)d 个月：%(why)s", n=extension.months, why=extension.reason)[
                    :2000
                ],
                milestones=plan_snapshot(milestones),
                end_on=project.end_on,
                created_by_id=actor.id,
            )
        )
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.DECIDE_EXTENSION,
        obj=extension,
        after={"status": extension.status.value, "end_on": project.end_on.isoformat()},
    )
    people = [*q.team_user_ids(s, project), *q.issuer_user_ids(s, project)]
    if approve:
        title = _("延期申请已批准，项目延至 %(day)s", day=project.end_on.isoformat())
    else:
        title = _("延期申请未获批准")
    tell(s, people, project, title, reason)
    return extension


# --- tick: due-date reminders -------------------------------------------------------------------


def reminder_days() -> list[int]:
    return sorted({int(d) for d in current_app.config["PROJECT_REMINDER_DAYS"] if int(d) >= 0})


@db.transactional
def send_due_reminders(s: Session, *, on: date | None = None) -> int:
    """Remind the team of a milestone it has still to report, 14 and 3 days before and on the
    due date (setting PROJECT_REMINDER_DAYS): once each, however often `tick` runs."""
    on = on or q.today()
    days = reminder_days()
    dates = {on + timedelta(days=d): d for d in days}
    rows = s.exec(
        select(Milestone, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Milestone.status.in_((MilestoneStatus.PLANNED, MilestoneStatus.FAILED)),
            Milestone.due_on.in_(list(dates)),
            Project.status.in_(RUNNING),
        )
        .order_by(Milestone.id)
    ).all()
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    sent = 0
    for milestone, project in rows:
        before = dates[milestone.due_on]
        claimed = s.exec(
            insert(ReminderSent)
            .values(
                milestone_id=milestone.id,
                due_on=milestone.due_on,
                days_before=before,
                sent_at=db.utcnow(),
            )
            .on_conflict_do_nothing()
            .returning(ReminderSent.id)
        ).first()
        if claimed is None:  # sent by an earlier run (rowcount is not reliable here)
            continue
        if before:
            title = _(
                "第 %(n)d 个里程碑将于 %(days)d 天后（%(day)s）到期",
                n=milestone.position,
                days=before,
                day=milestone.due_on.isoformat(),
            )
        else:
            title = _("第 %(n)d 个里程碑今天到期", n=milestone.position)
        tell(
            s,
            q.team_user_ids(s, project),
            project,
            title,
            milestone.deliverable[:500],
            kind=NotificationKind.PROJECT_REMINDER,
        )
        sent += 1
    return sent
