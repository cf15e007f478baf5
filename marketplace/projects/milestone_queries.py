"""Reads of milestones: overdue (derived on every read), the milestone panel of a project page,
a milestone's reports with their evidence and inspections, and who is told about each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from .. import db
from ..accounts.models import Membership, Role, User
from ..challenges.models import Challenge
from ..units import SHANGHAI
from .milestone_models import (
    OPEN,
    Acceptance,
    Extension,
    FinalAccount,
    Inspection,
    Milestone,
    MilestoneIndicator,
    MilestoneReport,
    MilestoneStatus,
    PlanVersion,
    ReportAttachment,
)
from .models import Project, ProjectIndicator


def today() -> date:
    """Today in Beijing: due dates run by the local calendar day."""
    return db.utcnow().astimezone(SHANGHAI).date()


def is_overdue(milestone: Milestone, on: date | None = None) -> bool:
    """Past its due date without an accepted report (and not cancelled)."""
    return milestone.status in OPEN and milestone.due_on < (on or today())


def overdue_milestones(
    s: Session, *, on: date | None = None, project_ids: list[int] | None = None
) -> list[Milestone]:
    """Every overdue milestone (of the given projects), the longest overdue first."""
    query = select(Milestone).where(Milestone.status.in_(OPEN), Milestone.due_on < (on or today()))
    if project_ids is not None:
        query = query.where(Milestone.project_id.in_(project_ids))
    return list(s.exec(query.order_by(Milestone.due_on, Milestone.id)).all())


def milestones_of(s: Session, project_id: int) -> list[Milestone]:
    return list(
        s.exec(
            select(Milestone).where(Milestone.project_id == project_id).order_by(Milestone.position)
        ).all()
    )


def indicators_of(s: Session, project_id: int) -> list[ProjectIndicator]:
    return list(
        s.exec(
            select(ProjectIndicator)
            .where(ProjectIndicator.project_id == project_id)
            .order_by(ProjectIndicator.position)
        ).all()
    )


def due_indicators(s: Session, milestone_id: int) -> list[ProjectIndicator]:
    """The indicators whose measured value is due in this milestone's report."""
    return list(
        s.exec(
            select(ProjectIndicator)
            .join(MilestoneIndicator, MilestoneIndicator.indicator_id == ProjectIndicator.id)
            .where(MilestoneIndicator.milestone_id == milestone_id)
            .order_by(ProjectIndicator.position)
        ).all()
    )


def reports_of(s: Session, milestone_id: int) -> list[MilestoneReport]:
    """Every report round of a milestone, the latest first."""
    return list(
        s.exec(
            select(MilestoneReport)
            .where(MilestoneReport.milestone_id == milestone_id)
            .order_by(MilestoneReport.round.desc())
        ).all()
    )


def latest_report(s: Session, milestone_id: int) -> MilestoneReport | None:
    return s.exec(
        select(MilestoneReport)
        .where(MilestoneReport.milestone_id == milestone_id)
        .order_by(MilestoneReport.round.desc())
    ).first()


@dataclass
class ReportRow:
    report: MilestoneReport
    attachments: list[ReportAttachment] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    submitted_by: User | None = None


def report_rows(s: Session, milestone_id: int) -> list[ReportRow]:
    """A milestone's reports with their evidence files and inspections (four queries)."""
    reports = reports_of(s, milestone_id)
    ids = [r.id for r in reports]
    rows = {r.id: ReportRow(r) for r in reports}
    if ids:
        for a in s.exec(
            select(ReportAttachment)
            .where(ReportAttachment.report_id.in_(ids))
            .order_by(ReportAttachment.id)
        ):
            rows[a.report_id].attachments.append(a)
        for i in s.exec(
            select(Inspection).where(Inspection.report_id.in_(ids)).order_by(Inspection.id)
        ):
            rows[i.report_id].inspections.append(i)
        users = {r.submitted_by_id for r in reports}
        people = {u.id: u for u in s.exec(select(User).where(User.id.in_(users)))}
        for row in rows.values():
            row.submitted_by = people.get(row.report.submitted_by_id)
    return list(rows.values())


def extensions_of(s: Session, project_id: int) -> list[Extension]:
    return list(
        s.exec(
            select(Extension).where(Extension.project_id == project_id).order_by(Extension.id)
        ).all()
    )


def plan_versions(s: Session, project_id: int) -> list[PlanVersion]:
    return list(
        s.exec(
            select(PlanVersion)
            .where(PlanVersion.project_id == project_id)
            .order_by(PlanVersion.version)
        ).all()
    )


def acceptances_of(s: Session, project_id: int) -> list[Acceptance]:
    return list(
        s.exec(
            select(Acceptance).where(Acceptance.project_id == project_id).order_by(Acceptance.round)
        ).all()
    )


def final_account_of(s: Session, project_id: int) -> FinalAccount | None:
    return s.exec(select(FinalAccount).where(FinalAccount.project_id == project_id)).first()


# --- what the milestone page shows and reads back --------------------------------------------


def milestone_page(s: Session, milestone: Milestone) -> dict:
    """The milestone page's own data: the milestone, whether it is overdue, the indicators its
    report measures and every report round with its evidence and inspections."""
    on = today()
    return {
        "m": milestone,
        "overdue": is_overdue(milestone, on),
        "indicators": due_indicators(s, milestone.id),
        "reports": report_rows(s, milestone.id),
        "today": on,
    }


def report_form(form) -> tuple[dict[str, str], dict[str, str]]:
    """A sent milestone report: the fields the page shows again when it is refused (what was
    delivered and each ``value_<indicator id>``), and the measured values by indicator id."""
    raw = {k: v for k, v in form.items() if k == "delivered" or k.startswith("value_")}
    values = {k.removeprefix("value_"): v for k, v in raw.items() if k.startswith("value_")}
    return raw, values


# The review form's decision → passed or not; anything else is no decision.
REVIEW_DECISIONS = {MilestoneStatus.ACCEPTED.value: True, MilestoneStatus.FAILED.value: False}


def review_decision(form) -> bool | None:
    """Whether staff's review form passes the milestone (None when no decision was chosen)."""
    return REVIEW_DECISIONS.get(form.get("decision", ""))


# --- who is told ------------------------------------------------------------------------------


def _members(s: Session, organisation_id: int | None) -> list[int]:
    if organisation_id is None:
        return []
    return list(
        s.exec(
            select(User.id).where(
                User.organisation_id == organisation_id,
                User.membership == Membership.APPROVED,
                User.is_active_account.is_(True),
            )
        ).all()
    )


def team_user_ids(s: Session, project: Project) -> list[int]:
    """The approved members of the awarded organisation (the team)."""
    return _members(s, project.organisation_id)


def issuer_org_id(s: Session, project: Project) -> int | None:
    return s.get(Challenge, project.challenge_id).organisation_id


def issuer_user_ids(s: Session, project: Project) -> list[int]:
    """The approved members of the issuing organisation."""
    return _members(s, issuer_org_id(s, project))


def staff_user_ids(s: Session) -> list[int]:
    return list(
        s.exec(
            select(User.id).where(
                User.role.in_((Role.STAFF, Role.ADMIN)), User.is_active_account.is_(True)
            )
        ).all()
    )
