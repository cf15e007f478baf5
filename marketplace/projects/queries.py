"""Reads of projects: the public list, the project page's parts, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, func, select

from ..accounts.models import Organisation, User
from ..audit import AuditEvent, audit_actions
from ..awards.models import Award
from ..bids.models import Bid
from ..challenges.models import Challenge
from ..pagination import Page
from ..units import fen_to_wan_text
from .milestone_models import Milestone
from .models import (
    BudgetCategory,
    FundingMode,
    FundingSource,
    Party,
    Project,
    ProjectKind,
    ProjectStatus,
)
from .plan import milestones_of
from .taskbook import (
    budget_of,
    confirmations_of,
    indicators_of,
    party_of,
    plan_versions,
    task_book_content,
)

PER_PAGE = 20


@dataclass(frozen=True)
class PublicRow:
    project: Project
    challenge: Challenge
    issuer: Organisation
    organisation: Organisation | None


def public_projects(s: Session, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Every project, newest first, with only its public fields' rows (one query per page)."""
    total = s.exec(select(func.count()).select_from(Project)).one()
    rows = s.exec(
        select(Project, Challenge, Organisation)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .order_by(Project.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    items = [PublicRow(p, c, issuer, None) for p, c, issuer in rows]
    orgs = {
        o.id: o
        for o in s.exec(
            select(Organisation).where(
                Organisation.id.in_({r.project.organisation_id for r in items} - {None})
            )
        )
    }
    items = [
        PublicRow(r.project, r.challenge, r.issuer, orgs.get(r.project.organisation_id))
        for r in items
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    actor: str
    detail: dict


def timeline(s: Session, project: Project) -> list[TimelineEntry]:
    """What happened to the project, oldest first: its own audit events and those of its
    milestones, reports and tranches (every domain records on the object it acts on)."""
    milestone_ids = [str(m.id) for m in milestones_of(s, project.id)]
    refs = [(AuditEvent.object_type == "project") & (AuditEvent.object_id == str(project.id))]
    if milestone_ids:
        refs.append(
            (AuditEvent.object_type == Milestone.__tablename__)
            & AuditEvent.object_id.in_(milestone_ids)
        )
    tranche_ids = _tranche_ids(s, project.id)
    if tranche_ids:
        refs.append(
            (AuditEvent.object_type == "ledger_tranche")
            & AuditEvent.object_id.in_([str(t) for t in tranche_ids])
        )
    events = s.exec(
        select(AuditEvent).where(or_(*refs)).order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    actions = audit_actions()
    names = {
        u.id: u.name
        for u in s.exec(select(User).where(User.id.in_({e.actor_id for e in events} - {None})))
    }
    return [
        TimelineEntry(
            at=e.created_at,
            label=actions[e.action].label if e.action in actions else e.action,
            actor=names.get(e.actor_id, e.actor_label),
            detail=e.after or {},
        )
        for e in events
    ]


def _tranche_ids(s: Session, project_id: int) -> list[int]:
    try:
        from .ledger_models import Tranche
    except ImportError:  # pragma: no cover
        return []
    return list(s.exec(select(Tranche.id).where(Tranche.project_id == project_id)))


def project_page(s: Session, project: Project, user: Any) -> dict:
    """Everything the project page and the 任务书 show."""
    challenge = s.get(Challenge, project.challenge_id)
    confirmations = confirmations_of(s, project)
    confirmers = {
        u.id: u
        for u in s.exec(
            select(User).where(User.id.in_({c.user_id for c in confirmations.values()}))
        )
    }
    return {
        "project": project,
        "challenge": challenge,
        "award": s.get(Award, project.award_id),
        "issuer": s.get(Organisation, challenge.organisation_id),
        "bid": s.get(Bid, project.bid_id) if project.bid_id else None,
        "organisation": s.get(Organisation, project.organisation_id)
        if project.organisation_id
        else None,
        "leader": s.get(User, project.leader_id) if project.leader_id else None,
        "indicators": indicators_of(s, project.id),
        "milestones": milestones_of(s, project.id),
        "budget": budget_of(s, project.id),
        "confirmations": confirmations,
        "confirmers": confirmers,
        "parties": list(Party),
        "my_party": party_of(s, user, project),
        "plans": plan_versions(s, project.id),
        "content": task_book_content(s, project),
        "racers": race_projects(s, project) if project.kind is ProjectKind.RACE else [],
    }


def race_projects(s: Session, project: Project) -> list[tuple[Project, Organisation | None]]:
    """The racing projects of the same award (this one included)."""
    rows = s.exec(
        select(Project, Organisation)
        .outerjoin(Organisation, Organisation.id == Project.organisation_id)
        .where(Project.award_id == project.award_id)
        .order_by(Project.id)
    ).all()
    return list(rows)


def open_race(s: Session, award_id: int) -> bool:
    """A 赛马 award none of whose projects has been picked or closed yet."""
    statuses = set(s.exec(select(Project.status).where(Project.award_id == award_id)))
    return bool(statuses) and ProjectStatus.RACE_CLOSED not in statuses


# --- the staff forms on top of the project page's data ------------------------------------------


def task_book_form(page: dict) -> dict:
    """The 任务书 form as first shown, from ``project_page``'s data: the current terms, every
    indicator's target and every budget line in 万元."""
    project = page["project"]
    raw = {
        "start_on": project.start_on.isoformat() if project.start_on else "",
        "first_tranche_percent": str(project.first_tranche_percent),
        "funding_mode": project.funding_mode.value,
        "leader_pledge": project.leader_pledge,
        "version": str(project.task_book_version),
    }
    for row in page["indicators"]:
        raw[f"target_{row.id}"] = row.target
    for line in page["budget"]:
        raw[f"budget_{line.category.value}_{line.source.value}"] = fen_to_wan_text(line.amount_fen)
    return raw


def task_book_choices() -> dict:
    """The choices the 任务书 form offers: funding modes, budget categories and sources."""
    return {
        "modes": FundingMode.choices(),
        "categories": list(BudgetCategory),
        "sources": list(FundingSource),
    }


def plan_form(page: dict) -> dict:
    """The plan adjustment form as first shown: every milestone's deliverable and due date."""
    raw = {"reason": "", "issuer_agreed_by": "", "team_agreed_by": ""}
    for m in page["milestones"]:
        raw[f"deliverable_{m.id}"] = m.deliverable
        raw[f"due_on_{m.id}"] = m.due_on.isoformat()
    return raw
