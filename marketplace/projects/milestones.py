"""Verbs of milestones: the team's report, the enterprise's sign-off or return, staff review
(with an optional 现场考察), a failed review's suspension and re-review, and termination (the
extension and `tick`'s reminders: ``milestone_schedule``).

A failed review suspends payment (project SUSPENDED) and gives the team
``PROJECT_RECTIFY_MONTHS`` to report again; a second failure of the same milestone terminates
the project. Overdue is never stored: see ``milestone_queries.is_overdue``.
"""

from __future__ import annotations

import calendar
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit, db
from ..accounts.access import is_member
from ..accounts.models import User
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..integrity import services as integrity
from ..integrity.models import Measure
from ..notifications import NotificationKind, notify
from ..states import ensure_transition, require_state
from ..uploads import StoredFile
from . import milestone_queries as q
from .access import can_view
from .actions import ProjectAction
from .milestone_models import (
    OPEN,
    ExtensionStatus,
    Inspection,
    Milestone,
    MilestoneReport,
    MilestoneStatus,
    ReportAttachment,
    ReportOutcome,
)
from .models import Project, ProjectStatus

MAX_TEXT = 4000
MAX_EVIDENCE = 10  # PDFs per report
EVIDENCE_KIND = "milestones"  # the uploads folder of report evidence
RUNNING = (ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (31 January + 1 month is 28 or 29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def ledger_api():
    # P2's ledger module; imported when money moves so that this module loads on its own.
    from . import ledger

    return ledger


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str:
    return (value or "").strip()[:limit]


def _link(project: Project) -> str:
    return f"/projects/{project.id}"


def _load(s: Session, actor: User, milestone_id: int) -> tuple[Milestone, Project]:
    """The milestone and its project, locked for the change; NotFound for those who may not
    see the project (another enterprise's milestone is not there for them)."""
    milestone = s.exec(
        select(Milestone).where(Milestone.id == milestone_id).with_for_update()
    ).first()
    if milestone is None:
        raise NotFound()
    project = s.get(Project, milestone.project_id)
    if not can_view(s, actor, project):
        raise NotFound()
    return milestone, project


def project_for(s: Session, actor: User, project_id: int) -> Project:
    """The project, locked; NotFound for those who may not see it."""
    project = s.exec(select(Project).where(Project.id == project_id).with_for_update()).first()
    if project is None or not can_view(s, actor, project):
        raise NotFound()
    return project


def is_team(s: Session, actor: User, project: Project) -> bool:
    """An approved member of the awarded organisation."""
    return is_member(actor, project.organisation_id)


def is_issuer(s: Session, actor: User, project: Project) -> bool:
    """An approved member of the issuing organisation."""
    return is_member(actor, q.issuer_org_id(s, project))


def require_running(project: Project) -> None:
    if project.status not in RUNNING:
        raise ValidationFailed(
            _("项目当前状态为“%(status)s”，不能办理里程碑事项。", status=project.status.label)
        )


def require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied()


def tell(
    s: Session,
    user_ids,
    project: Project,
    title: str,
    body: str = "",
    *,
    kind: NotificationKind = NotificationKind.PROJECT_MILESTONE,
) -> None:
    notify(
        s,
        user_ids=user_ids,
        title=f"{title}：{project.number}",
        body=body,
        link=_link(project),
        kind=kind,
    )


# --- the team's report ------------------------------------------------------------------------


def _check_values(s: Session, milestone: Milestone, values: dict) -> dict[str, str]:
    """The measured value of every indicator due in this milestone; a missing one is named."""
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for indicator in q.due_indicators(s, milestone.id):
        key = str(indicator.id)
        value = clean_text(values.get(key), 200)
        if not value:
            errors[f"value_{key}"] = [_("请填写指标“%(name)s”的实测值。", name=indicator.name)]
        clean[key] = value
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, field_errors=errors)
    return clean


@db.transactional
def report_milestone(
    s: Session,
    *,
    actor: User,
    milestone_id: int,
    delivered: str,
    values: dict,
    evidence: list[StoredFile] = (),
) -> MilestoneReport:
    """The team reports a planned (or failed, after rectification) milestone: a new round."""
    milestone, project = _load(s, actor, milestone_id)
    if not is_team(s, actor, project):
        raise PermissionDenied()
    require_running(project)
    delivered = clean_text(delivered)
    errors: dict[str, list[str]] = {}
    if not delivered:
        errors["delivered"] = [_("请写明本节点完成的内容。")]
    if len(evidence) > MAX_EVIDENCE:
        errors["file"] = [_("每次报告最多上传 %(n)d 个 PDF 文件。", n=MAX_EVIDENCE)]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    clean = _check_values(s, milestone, values)
    before = ensure_transition(milestone, MilestoneStatus.REPORTED, actor=actor)
    last = s.exec(
        select(func.max(MilestoneReport.round)).where(MilestoneReport.milestone_id == milestone.id)
    ).one()
    report = MilestoneReport(
        milestone_id=milestone.id,
        round=(last or 0) + 1,
        delivered=delivered,
        values=clean,
        submitted_by_id=actor.id,
    )
    s.add(report)
    s.add(milestone)
    s.flush()
    for stored in evidence:
        s.add(
            ReportAttachment(
                report_id=report.id,
                original_name=stored.original_name,
                stored_name=stored.stored_name,
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                uploaded_by_id=actor.id,
            )
        )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.REPORT_MILESTONE,
        obj=milestone,
        before={"status": before.value},
        after={"status": milestone.status.value, "round": report.round, "files": len(evidence)},
    )
    tell(
        s,
        q.issuer_user_ids(s, project),
        project,
        _("第 %(n)d 个里程碑已报告，请确认", n=milestone.position),
    )
    return report


# --- the enterprise's sign-off, returns ---------------------------------------------------------


@db.transactional
def sign_off_report(
    s: Session, *, actor: User, milestone_id: int, comment: str = ""
) -> MilestoneReport:
    """The issuer confirms the team's report; staff review it next."""
    milestone, project = _load(s, actor, milestone_id)
    if not is_issuer(s, actor, project):
        raise PermissionDenied()
    require_running(project)
    before = ensure_transition(milestone, MilestoneStatus.SIGNED_OFF, actor=actor)
    report = q.latest_report(s, milestone.id)
    report.issuer_comment = clean_text(comment)
    report.issuer_by_id = actor.id
    report.issuer_at = db.utcnow()
    s.add_all([milestone, report])
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.SIGN_OFF_REPORT,
        obj=milestone,
        before={"status": before.value},
        after={"status": milestone.status.value, "round": report.round},
    )
    title = _("企业已确认第 %(n)d 个里程碑报告", n=milestone.position)
    tell(s, [*q.team_user_ids(s, project), *q.staff_user_ids(s)], project, title)
    return report


@db.transactional
def return_report(s: Session, *, actor: User, milestone_id: int, comment: str) -> MilestoneReport:
    """The issuer (before signing off) or staff send the report back with comments; the team
    reports again in a new round, this one is kept."""
    milestone, project = _load(s, actor, milestone_id)
    staff = actor.is_staff
    if not staff and not is_issuer(s, actor, project):
        raise PermissionDenied()
    require_running(project)
    comment = clean_text(comment)
    if not comment:
        msg = _("请写明退回意见。")
        raise ValidationFailed(msg, field_errors={"comment": [msg]})
    before = ensure_transition(milestone, MilestoneStatus.PLANNED, actor=actor)
    report = q.latest_report(s, milestone.id)
    if staff:
        report.outcome = ReportOutcome.RETURNED_BY_STAFF
        report.staff_comment, report.staff_by_id, report.staff_at = comment, actor.id, db.utcnow()
    else:
        report.outcome = ReportOutcome.RETURNED_BY_ISSUER
        report.issuer_comment, report.issuer_by_id = comment, actor.id
        report.issuer_at = db.utcnow()
    s.add_all([milestone, report])
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RETURN_REPORT,
        obj=milestone,
        before={"status": before.value},
        after={"status": milestone.status.value, "round": report.round, "comment": comment},
    )
    title = _("第 %(n)d 个里程碑报告被退回", n=milestone.position)
    tell(s, q.team_user_ids(s, project), project, title, comment)
    return report


# --- staff review -----------------------------------------------------------------------------


@db.transactional
def record_inspection(
    s: Session, *, actor: User, milestone_id: int, inspected_on: date | None, inspectors: str,
    findings: str,
) -> Inspection:  # fmt: skip
    """Staff record a 现场考察 of the report under review (before deciding on it)."""
    require_staff(actor)
    milestone, project = _load(s, actor, milestone_id)
    require_running(project)
    require_state(milestone, MilestoneStatus.REPORTED, MilestoneStatus.SIGNED_OFF)
    errors: dict[str, list[str]] = {}
    if inspected_on is None:
        errors["inspected_on"] = [_("请填写考察日期。")]
    elif inspected_on > q.today():
        errors["inspected_on"] = [_("考察日期不能晚于今天。")]
    if not clean_text(inspectors, 500):
        errors["inspectors"] = [_("请填写考察人员。")]
    if not clean_text(findings):
        errors["findings"] = [_("请填写考察发现。")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    report = q.latest_report(s, milestone.id)
    inspection = Inspection(
        report_id=report.id,
        inspected_on=inspected_on,
        inspectors=clean_text(inspectors, 500),
        findings=clean_text(findings),
        recorded_by_id=actor.id,
    )
    s.add(inspection)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RECORD_INSPECTION,
        obj=milestone,
        after={"report": report.round, "inspected_on": inspected_on.isoformat()},
    )
    return inspection


@db.transactional
def review_milestone(
    s: Session, *, actor: User, milestone_id: int, passed: bool, comment: str = "",
    team_at_fault: bool = False,
) -> Milestone:  # fmt: skip
    """Staff accept or fail a signed-off report. A failure suspends payment for a
    rectification period; a second failure of the milestone terminates the project
    (``team_at_fault`` then decides on 追回 and an integrity record)."""
    require_staff(actor)
    milestone, project = _load(s, actor, milestone_id)
    require_running(project)
    if milestone.final:
        raise ValidationFailed(_("最后一个里程碑在项目验收时一并评定，请启动验收。"))
    comment = clean_text(comment)
    if not passed and not comment:
        msg = _("请写明未通过的理由。")
        raise ValidationFailed(msg, field_errors={"comment": [msg]})
    target = MilestoneStatus.ACCEPTED if passed else MilestoneStatus.FAILED
    before = ensure_transition(milestone, target, actor=actor)
    if passed:
        milestone.accepted_at = db.utcnow()
    report = q.latest_report(s, milestone.id)
    report.outcome = ReportOutcome.ACCEPTED if passed else ReportOutcome.FAILED
    report.staff_comment, report.staff_by_id, report.staff_at = comment, actor.id, db.utcnow()
    s.add_all([milestone, report])
    if passed:
        _resume_if_clear(s, project, actor)
    else:
        milestone.failures += 1
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.ACCEPT_MILESTONE if passed else ProjectAction.FAIL_MILESTONE,
        obj=milestone,
        before={"status": before.value},
        after={"status": milestone.status.value, "failures": milestone.failures},
    )
    people = [*q.team_user_ids(s, project), *q.issuer_user_ids(s, project)]
    if passed:
        tell(s, people, project, _("第 %(n)d 个里程碑审核通过", n=milestone.position))
    elif milestone.failures >= 2:
        terminate_project(
            actor=actor,
            project_id=project.id,
            reason=_("第 %(n)d 个里程碑复审仍未通过：%(why)s", n=milestone.position, why=comment),
            team_at_fault=team_at_fault,
        )
    else:
        milestone.rectify_until = add_months(
            q.today(), int(current_app.config["PROJECT_RECTIFY_MONTHS"])
        )
        if project.status is ProjectStatus.ACTIVE:
            ensure_transition(project, ProjectStatus.SUSPENDED, actor=actor)
            s.add(project)
        body = _(
            "暂停拨付。请在 %(day)s 前完成整改并重新报告，复审仍未通过将终止项目。理由：%(why)s",
            day=milestone.rectify_until.isoformat(),
            why=comment,
        )
        tell(s, people, project, _("第 %(n)d 个里程碑审核未通过", n=milestone.position), body)
    return milestone


def _resume_if_clear(s: Session, project: Project, actor: User) -> None:
    """A suspended project is active again once no milestone is left failed."""
    if project.status is not ProjectStatus.SUSPENDED:
        return
    failed = s.exec(
        select(func.count())
        .select_from(Milestone)
        .where(Milestone.project_id == project.id, Milestone.status == MilestoneStatus.FAILED)
    ).one()
    if not failed:
        ensure_transition(project, ProjectStatus.ACTIVE, actor=actor)
        s.add(project)


# --- termination --------------------------------------------------------------------------------


@db.transactional
def terminate_project(
    s: Session, *, actor: User, project_id: int, reason: str, team_at_fault: bool = False
) -> Project:
    """Staff end the project: open milestones cancelled, the remaining commitments cancelled;
    when the team is at fault, what was released is recorded as due back (追回) and an
    integrity record (通报批评) names the organisation."""
    require_staff(actor)
    project = project_for(s, actor, project_id)
    reason = clean_text(reason, 2000)
    if not reason:
        msg = _("请写明终止理由。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    before = ensure_transition(project, ProjectStatus.TERMINATED, actor=actor)
    project.terminated_at = db.utcnow()
    project.termination_reason = reason
    project.team_at_fault = bool(team_at_fault)
    s.add(project)
    for milestone in q.milestones_of(s, project.id):
        if milestone.status in OPEN:
            ensure_transition(milestone, MilestoneStatus.CANCELLED)
            s.add(milestone)
    for extension in q.extensions_of(s, project.id):
        if extension.status is ExtensionStatus.REQUESTED:
            ensure_transition(extension, ExtensionStatus.REFUSED)
            extension.decided_by_id, extension.decided_at = actor.id, db.utcnow()
            extension.decision_reason = _("项目已终止。")
            s.add(extension)
    s.flush()
    ledger = ledger_api()
    ledger.cancel_remaining(s, project, actor=actor, reason=reason)
    if team_at_fault:
        ledger.record_recovery_due(s, project, actor=actor, reason=reason)
        integrity.record_measure(
            actor=actor,
            measure=Measure.CRITICISM,
            finding=reason,
            legal_basis=_("《科研失信行为调查处理规则》；项目任务书"),
            summary=_("项目 %(no)s 因揭榜方原因终止", no=project.number),
            starts_on=q.today(),
            organisation_id=project.organisation_id,
            project_id=project.id,
        )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.TERMINATE,
        obj=project,
        before={"status": before.value},
        after={"status": project.status.value, "team_at_fault": project.team_at_fault},
    )
    people = [*q.team_user_ids(s, project), *q.issuer_user_ids(s, project)]
    tell(s, people, project, _("项目已终止"), reason)
    return project
